/**
 * Proof by building, on a dozen packages: a C library (XML → libxml2, png, jpeg, udunits2), a tool
 * (RcppGSL → gsl-config), a C++ header-only dependency (later → Boost through BH), one whose library
 * only configure names (httpuv → libuv), Debian repacks that drop bundled code (fs, freetypeharfbuzz),
 * GEOS + PROJ (lwgeom), and two that need nothing (cli, digest).
 *
 * Needs root and a Debian 12 root file system (`npm run sysreqs:prove -- --make-rootfs <dir>`),
 * found at SYSREQS_PROVE_ROOTFS or /var/cache/rfarm-prove/debian-12; skipped with the reason
 * otherwise. Results are cached per build in the prover's cache, so a re-run takes seconds; the first
 * run takes about 15 minutes on 2 cores. Fails when fewer than 95 % of the packages whose build did
 * not fail for another reason build with only the resolver's answer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { testUnless } from '../support/skip.ts';
import * as assert from 'uvu/assert';
import { DEFAULT_RULES_DIR, loadRuleDatabase, resolvePlatform } from '../../sysreqs/index.ts';
import { environmentFor } from '../../sysreqs/prover/build-environment.ts';
import { proofTable, summarise } from '../../sysreqs/prover/prove-report.ts';
import { provePackages } from '../../sysreqs/prover/prover.ts';

const DOZEN = ['XML', 'png', 'jpeg', 'udunits2', 'RcppGSL', 'later', 'httpuv', 'fs', 'freetypeharfbuzz', 'lwgeom', 'cli', 'digest'];
const BUILD_RATE_BAR = 0.95;
const CACHE = '/var/cache/rfarm-prove';
const ROOTFS = process.env.SYSREQS_PROVE_ROOTFS || join(CACHE, 'debian-12');

const why =
  process.getuid?.() !== 0
    ? 'not root (overlay mounts and chroot need it)'
    : !existsSync(join(ROOTFS, 'usr/bin/R'))
      ? `no Debian 12 root file system with R at ${ROOTFS} (npm run sysreqs:prove -- --make-rootfs ${ROOTFS})`
      : undefined;
testUnless(why, `a dozen packages build on Debian 12 with only the resolver's answer (bar ${BUILD_RATE_BAR * 100} %)`, async () => {
  const proofs = await provePackages(DOZEN, {
    rules: loadRuleDatabase(DEFAULT_RULES_DIR),
    platform: resolvePlatform('debian-12'),
    environment: environmentFor(`rootfs:${ROOTFS}`, join(CACHE, 'scratch')),
    cacheDir: CACHE,
    concurrency: 2,
    timeoutMs: 900_000,
  });
  console.log(proofTable(proofs, `rootfs:${ROOTFS}`).replace(/^/gm, '  '));
  const summary = summarise(proofs);
  assert.ok(
    summary.builtWithAnswer + summary.missingWithAnswer >= 8,
    `only ${summary.builtWithAnswer + summary.missingWithAnswer} packages were judged; the rest had no source or failed for other reasons`,
  );
  assert.ok(
    summary.buildRate >= BUILD_RATE_BAR,
    `build rate ${(summary.buildRate * 100).toFixed(0)} % < ${BUILD_RATE_BAR * 100} %: ${proofs
      .filter((proof) => proof.withAnswer?.outcome === 'missing system requirement')
      .map((proof) => `${proof.package} (${proof.withAnswer?.what})`)
      .join(', ')}`,
  );
});

test.run();
