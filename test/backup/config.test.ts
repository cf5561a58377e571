/** The backup service's environment (backup/config.ts): defaults, and every problem at once. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BackupConfigError, loadConfig } from '../../backup/config.ts';

test('a bucket is all it needs; the rest has defaults', () => {
  const config = loadConfig({ BACKUP_S3_BUCKET: 'b' });
  assert.equal(
    [config.bucket, config.region, config.prefix, config.intervalHours, config.keep, config.endpoint],
    ['b', 'us-east-1', 'rfarm/', 24, 7, undefined],
  );
});

test('every problem is reported at once, with what to set', () => {
  assert.throws(
    () => loadConfig({ BACKUP_S3_PREFIX: 'x', BACKUP_KEEP: '1.5', BACKUP_S3_ENDPOINT: 'fra1' }),
    (error: Error) =>
      error instanceof BackupConfigError &&
      /BACKUP_S3_BUCKET is required/.test(error.message) &&
      /must end with '\/'/.test(error.message) &&
      /BACKUP_KEEP=1.5/.test(error.message) &&
      /http\(s\) URL/.test(error.message),
  );
});

test.run();
