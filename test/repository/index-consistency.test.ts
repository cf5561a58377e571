/**
 * The index under load: two writers (as two control planes would) publish packages and regenerate
 * the index while real R reads it over HTTP as fast as it can. Every read parses, every package
 * the index lists can be downloaded with the listed MD5, the package count never goes backwards,
 * and in the end the index lists every package (no writer overwrote another's index).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm } from '../../protocol/index.ts';
import { ObjectStoreStorage, openRepositoryBuckets } from '../../control-plane/repository/object-store-storage.ts';
import { PackageIndexer } from '../../control-plane/repository/package-indexer.ts';
import { RepositoryLock } from '../../control-plane/repository/repository-lock.ts';
import { startTestFarm } from '../support/farm.ts';
import { packTarball } from '../support/r-packages.ts';

const PER_WRITER = 8;
const farm = await startTestFarm({ workers: 0 });
const connection = await connectFarm({ servers: [farm.natsUrl], credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'index-hammer' });
const { objects, kv } = await openRepositoryBuckets(connection, 1);
const storage = new ObjectStoreStorage(objects, kv);
const lock = new RepositoryLock(kv);
const scratch = mkdtempSync(join(tmpdir(), 'rfarm-hammer-'));
test.after(async () => {
  await connection.close();
  await farm.cleanup();
});

/** One writer: its own mirror directory, the shared lock, as a second control plane would have. */
async function writer(name: string): Promise<void> {
  const indexer = new PackageIndexer(storage, join(scratch, `mirror-${name}`));
  for (let index = 0; index < PER_WRITER; index++) {
    const packageName = `ham${name}${index}`;
    const data = packTarball({ name: packageName, version: '1.0.0' });
    await lock.withLock(async () => {
      await storage.addFile(`src/contrib/${packageName}_1.0.0.tar.gz`, data);
      await indexer.regenerate('src/contrib', 'source');
    });
  }
}

const READER = `
options(warn = 2)
args <- commandArgs(TRUE); url <- args[1]; stop_file <- args[2]
iterations <- 0; most <- 0
repeat {
  if (file.exists(stop_file) && iterations > 0) break
  fetch <- function(name) { file <- tempfile(); download.file(paste0(url, "/src/contrib/", name), file, quiet = TRUE, mode = "wb"); file }
  from_rds <- readRDS(fetch("PACKAGES.rds"))
  from_gz <- read.dcf(fetch("PACKAGES.gz"))  # read.dcf opens files with gzfile()
  from_text <- read.dcf(fetch("PACKAGES"))
  for (db in list(from_rds, from_gz, from_text)) stopifnot(all(c("Package", "Version", "MD5sum") %in% colnames(db)), !anyNA(db[, "MD5sum"]))
  unlink(list.files(tempdir(), "^repos_", full.names = TRUE))
  ap <- available.packages(repos = url, fields = "MD5sum")
  if (nrow(ap) < most) stop("the index went backwards: ", nrow(ap), " packages after ", most)
  most <- nrow(ap)
  pick <- ap[sample(nrow(ap), 1), ]
  file <- fetch(paste0(pick[["Package"]], "_", pick[["Version"]], ".tar.gz"))
  if (unname(tools::md5sum(file)) != pick[["MD5sum"]]) stop("MD5 of ", pick[["Package"]], " differs from the index")
  iterations <- iterations + 1
}
cat("iterations:", iterations, "packages:", most, "\\n")
`;

function runReader(stopFile: string): Promise<{ code: number | null; text: string }> {
  const script = join(scratch, 'reader.R');
  writeFileSync(script, READER);
  return new Promise((resolve) => {
    const child = spawn('Rscript', [script, `${farm.url}/repo`, stopFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.on('close', (code) => resolve({ code, text }));
  });
}

test('R reading the index while two writers publish never sees a broken or stale index, and nothing is lost', async () => {
  await writer('seed');
  const stopFile = join(scratch, 'stop');
  const reading = runReader(stopFile);
  await Promise.all([writer('a'), writer('b')]);
  writeFileSync(stopFile, '');
  const { code, text } = await reading;
  assert.is(code, 0, text);
  const iterations = Number(/iterations: (\d+)/.exec(text)?.[1] ?? 0);
  assert.ok(iterations >= 10, `the reader only managed ${iterations} rounds: ${text}`);
  const index = await (await fetch(`${farm.url}/repo/src/contrib/PACKAGES`)).text();
  const listed = [...index.matchAll(/^Package: (\S+)$/gm)].map((match) => match[1]);
  assert.is(listed.length, PER_WRITER * 3, listed.join(' '));
});

test.run();
