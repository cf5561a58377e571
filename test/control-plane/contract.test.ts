/** The OpenAPI document, the generated types and the error catalogue stay in step. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../control-plane/errors.ts';
import { openApiDocument } from '../../control-plane/http/openapi-validator.ts';

const root = join(import.meta.dirname, '..', '..');

test('the generated API types match the OpenAPI document (run `npm run generate:api-types` after editing it)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rfarm-types-')), 'api-types.ts');
  execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), ['control-plane/openapi.yaml', '-o', out], { cwd: root, stdio: 'pipe' });
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/stamp-generated.ts', out], { cwd: root });
  assert.fixture(readFileSync(join(root, 'control-plane/api-types.ts'), 'utf8'), readFileSync(out, 'utf8'));
});

test('every catalogued error code is in the OpenAPI ErrorCode enum and the other way round', () => {
  const enumCodes: string[] = openApiDocument.components.schemas.ErrorCode.enum;
  assert.equal([...enumCodes].sort(), [...ERROR_CODES].sort());
});

test('every operation in the document has an operationId', () => {
  for (const [path, item] of Object.entries<Record<string, { operationId?: string }>>(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(item)) assert.ok(operation.operationId, `${method.toUpperCase()} ${path}`);
  }
});

test.run();
