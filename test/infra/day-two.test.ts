/**
 * Day two under mocks: what a second `pulumi up` would replace. Two offline runs of the dev stack,
 * the second with one builder change, must differ only in that builder's own resources; and every
 * host's resource options say how it takes a configuration change (infra/host-lifecycle.ts).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { declareOffline, readStackFile, type OfflineRun } from '../../infra/preview/declare-offline.ts';
import type { DeclaredResource } from '../../infra/preview/offline-mocks.ts';
import { repoRoot } from './stack-suite.ts';

const PLATFORM = 'r-release-linux-x86_64';
const DROPLET = 'digitalocean:index/droplet:Droplet';
const key = (resource: DeclaredResource) => `${resource.type}::${resource.name}`;
const hasTag = (resource: DeclaredResource, tag: string) => ((resource.inputs.tags as string[] | undefined) ?? []).includes(tag);

/** Runs the dev stack with its stack file changed by `change`. */
async function runChanged(change: (config: Record<string, any>) => void): Promise<OfflineRun> {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-day-two-'));
  try {
    const config = structuredClone(readStackFile(repoRoot, 'dev')) as Record<string, any>;
    change(config);
    mkdirSync(join(root, 'stacks'));
    writeFileSync(join(root, 'stacks', 'Pulumi.dev.yaml'), stringify({ config }));
    return await declareOffline(root, 'dev');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Resources added, removed or with different inputs between two runs. */
function changedResources(before: OfflineRun, after: OfflineRun): string[] {
  const inputs = (run: OfflineRun) => new Map(run.resources.map((resource) => [key(resource), JSON.stringify(resource.inputs)]));
  const [old, current] = [inputs(before), inputs(after)];
  return [...new Set([...old.keys(), ...current.keys()])].filter((name) => old.get(name) !== current.get(name)).sort();
}

let baseline: OfflineRun;
test.before(async () => {
  baseline = await declareOffline(repoRoot, 'dev');
});

test('two runs of the same stack declare the same inputs (a difference below is the change, not noise)', async () => {
  assert.equal(changedResources(baseline, await declareOffline(repoRoot, 'dev')), []);
});

// The stacks declare no Linux droplet (`desired: 0`: the scaler owns each pool from zero); a stack may still pin some.
const pinned = (config: Record<string, any>, desired: number) => {
  config['rfarm:pools'].overrides = { [PLATFORM]: { min: 0, max: desired + 1, desired } };
};

test('the dev stack declares no Linux builder: the scaler owns every Linux pool from zero', () => {
  assert.equal(
    baseline.resources.filter((resource) => resource.type === DROPLET && hasTag(resource, 'role:builder')),
    [],
  );
});

test('pinning a builder in one Linux pool declares that droplet and changes no other resource (the monitoring droplet names no builder)', async () => {
  // max − desired stays 1: the scaler's share of the pool, and so its environment, does not change.
  const before = await runChanged((config) => pinned(config, 1));
  const after = await runChanged((config) => pinned(config, 2));
  assert.equal(changedResources(before, after), [`${DROPLET}::builders-${PLATFORM}-2`]);
});

test('resizing the builders changes the pinned builder droplets and the scaler’s templates on the control plane, nothing else', async () => {
  const before = await runChanged((config) => pinned(config, 2));
  const after = await runChanged((config) => {
    pinned(config, 2);
    config['rfarm:digitalocean'].sizes.builder = 's-4vcpu-8gb';
  });
  const builders = before.resources.filter((resource) => resource.type === DROPLET && hasTag(resource, 'role:builder')).map(key);
  assert.is(builders.length, 2);
  assert.equal(changedResources(before, after), [...builders, `${DROPLET}::control-plane-1`].sort());
});

test('builders and the control plane are replaced on a new configuration, created before the old host goes', async () => {
  const withBuilder = await runChanged((config) => pinned(config, 1));
  for (const role of ['builder', 'control-plane']) {
    const droplets = withBuilder.resources.filter((resource) => resource.type === DROPLET && hasTag(resource, `role:${role}`));
    assert.ok(droplets.length > 0, role);
    for (const droplet of droplets)
      assert.equal(droplet.options, { ignoreChanges: [], replaceOnChanges: ['userData'], deleteBeforeReplace: false }, droplet.name);
  }
});

test('hosts with a volume (NATS, monitoring, logs) are not replaced by a change of user data, and are deleted before a deliberate replacement', () => {
  for (const role of ['nats', 'monitoring', 'logs']) {
    const droplets = baseline.resources.filter((resource) => resource.type === DROPLET && hasTag(resource, `role:${role}`));
    assert.ok(droplets.length > 0, role);
    for (const droplet of droplets) {
      assert.ok((droplet.inputs.volumeIds as string[]).length > 0, `${droplet.name} has a volume`);
      assert.equal(droplet.options, { ignoreChanges: ['userData'], replaceOnChanges: [], deleteBeforeReplace: true }, droplet.name);
    }
  }
});

test.run();
