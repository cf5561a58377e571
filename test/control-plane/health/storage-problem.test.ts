/**
 * The storage guard's decision (control-plane/health/storage-problem.ts): the free-space floor with
 * the reserve of unfinished builds, a stream's size limit, and the work accepted since the last
 * look, which a burst of uploads inside one second must not slip past.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { storageProblem, type StorageLook } from '../../../control-plane/health/storage-problem.ts';

const MiB = 1024 * 1024;
const limits = { minFreeBytes: 16 * MiB, refusePercent: 90, reservePerBuildBytes: 12 * MiB };
const none = { uploadBytes: 0, builds: 0 };

function look(overrides: Partial<StorageLook> = {}): StorageLook {
  return {
    dirs: [{ dir: '/data/nats', freeBytes: 100 * MiB }],
    streams: [],
    unfinishedBuilds: 0,
    uploadStream: 'OBJ_up',
    artifactStream: 'OBJ_art',
    ...overrides,
  };
}

test('room: free space above the floor after the reserve of unfinished builds', () => {
  assert.is(storageProblem(look({ unfinishedBuilds: 7 }), none, limits), null); // 100 − 84 = 16 MB: exactly the floor
});

test('no room: the reserve of unfinished builds takes the free space below the floor', () => {
  const problem = storageProblem(look({ unfinishedBuilds: 8 }), none, limits);
  assert.is(
    problem,
    "the file system of /data/nats has 100.0 MB free, after setting aside 96.0 MB for the 8 builds not yet finished (FARM_STORE_RESERVE_PER_BUILD_BYTES each), below the farm's floor of 16.0 MB (FARM_MIN_FREE_STORE_BYTES)",
  );
});

test('work accepted since the look counts: its uploads take free space and its builds get a reserve', () => {
  // The look saw room for 7 more builds' reserves; 3 uploads of 5 MB came in before the next look.
  const stale = look({ unfinishedBuilds: 4 });
  assert.is(storageProblem(stale, none, limits), null);
  const problem = storageProblem(stale, { uploadBytes: 15 * MiB, builds: 3 }, limits);
  assert.match(problem ?? '', /has 85\.0 MB free, after setting aside 84\.0 MB for the 7 builds not yet finished/);
});

test("a stream's size limit: refused at the percentage, counting the artifacts still to come in the artifact store only", () => {
  const streams = [
    { name: 'OBJ_art', bytes: 20 * MiB, messages: 10, maxBytes: 40 * MiB },
    { name: 'OBJ_up', bytes: 30 * MiB, messages: 10, maxBytes: 40 * MiB },
  ];
  assert.is(storageProblem(look({ dirs: [], streams }), none, limits), null);
  // 20 + 2 × 12 = 44 MB expected of 40: the artifact store refuses.
  assert.match(
    storageProblem(look({ dirs: [], streams, unfinishedBuilds: 2 }), none, limits) ?? '',
    /^the farm's store 'OBJ_art' holds 20\.0 MB of its 40\.0 MB limit, after setting aside 24\.0 MB for the 2 builds not yet finished .*\(over 90 %, FARM_STORE_REFUSE_PERCENT\)$/,
  );
  // Uploads accepted since the look land in the upload store: 30 + 6 = 36 MB is 90 % of 40.
  assert.match(
    storageProblem(look({ dirs: [], streams }), { uploadBytes: 6 * MiB, builds: 0 }, limits) ?? '',
    /^the farm's store 'OBJ_up' holds 36\.0 MB of its 40\.0 MB limit \(over 90 %/,
  );
});

test('a stream without a size limit and a look without file systems never refuse', () => {
  assert.is(
    storageProblem(look({ dirs: [], streams: [{ name: 'OBJ_art', bytes: 10 * 1024 * MiB, messages: 1, maxBytes: -1 }], unfinishedBuilds: 100 }), none, limits),
    null,
  );
});

test.run();
