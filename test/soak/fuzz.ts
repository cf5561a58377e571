/**
 * Malformed input against every route of a real control plane: random bytes, truncated gzip, tar
 * bombs, links, `..` paths, huge DESCRIPTION fields, bad UTF-8, wrong content types, oversize
 * bodies, malformed JSON and query strings. Every answer must be a JSON error, never a 5xx.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LocalFarm } from '../../scripts/local-farm.ts';
import { goodDescription, makeTar, makeTarGz, packageEntries } from '../control-plane/uploads/tarballs.ts';
import type { SoakSummary } from './ledger.ts';

type Upload = { body: Uint8Array; type: string; query?: string };

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

async function malformedUpload(random: () => number, index: number): Promise<Upload> {
  const valid = await makeTarGz(packageEntries());
  const kinds: (() => Promise<Upload>)[] = [
    async () => ({ body: randomBytes(1 + Math.floor(random() * 5000)), type: 'application/gzip' }),
    async () => ({ body: valid.subarray(0, Math.floor(random() * valid.length)), type: 'application/gzip' }),
    async () => {
      const flipped = Buffer.from(valid);
      for (let flip = 0; flip < 4; flip++) flipped[Math.floor(random() * flipped.length)] ^= 1 + Math.floor(random() * 255);
      return { body: flipped, type: 'application/octet-stream' };
    },
    async () => ({ body: await makeTarGz([...packageEntries(), { name: 'demo/bomb', body: Buffer.alloc(60 * 1024 * 1024) }]), type: 'application/gzip' }),
    async () => ({
      body: await makeTarGz([...packageEntries(), { name: 'demo/l', type: 'symlink', linkname: '../../../etc/passwd' }]),
      type: 'application/gzip',
    }),
    async () => ({ body: await makeTarGz([...packageEntries(), { name: `demo/${'../'.repeat(1 + (index % 5))}x`, body: 'x' }]), type: 'application/gzip' }),
    async () => ({ body: await makeTarGz(packageEntries(`${goodDescription}Huge: ${'x'.repeat(200_000)}\n`)), type: 'application/gzip' }),
    async () => ({
      body: await makeTarGz(
        packageEntries(Buffer.concat([Buffer.from('Package: demo\nVersion: 1.0\nTitle: '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')])),
      ),
      type: 'application/gzip',
    }),
    async () => ({ body: valid, type: pick(random, ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) }),
    async () => ({ body: randomBytes(3 * 1024 * 1024), type: 'application/gzip' }),
    async () => ({
      body: gzipSync(
        await makeTar([
          { name: 'a/', type: 'directory' },
          { name: 'b/DESCRIPTION', body: goodDescription },
        ]),
      ),
      type: 'application/gzip',
    }),
    async () => ({
      body: valid,
      type: 'application/gzip',
      query: pick(random, ['?platform=../../x', '?platform=', '?check_args=--evil', '?email=not-an-email', '?publish=maybe', '?unknown=1', '?platform=%00']),
    }),
  ];
  return pick(random, kinds)();
}

const ID = '0123456789abcdef0123456789abcdef';
function malformedRequest(random: () => number): { method: string; path: string; body?: string; type?: string } {
  const junk = () => pick(random, ['%', '%ff', '..%2f..', '\u0000', 'x'.repeat(3000), '😀', '{"a":', '[]', 'null', '-1', '1e999']);
  const requests = [
    () => ({ method: 'GET', path: `/jobs/info/${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/jobs/info/${ID}?x=${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/jobs/output/${ID}?follow=${encodeURIComponent(junk())}&platform=${encodeURIComponent(junk())}` }),
    () => ({ method: 'DELETE', path: `/jobs/${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/jobs/${ID}/artifacts/${encodeURIComponent(junk())}` }),
    () => ({ method: 'PUT', path: '/worker', body: junk(), type: 'application/json' }),
    () => ({ method: 'DELETE', path: `/worker/${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/platforms?${encodeURIComponent(junk())}=1` }),
    () => ({ method: 'POST', path: '/jobs/submit/tarball', body: junk() }),
    () => ({ method: 'POST', path: '/api/check/submit', body: junk(), type: 'application/json' }),
    () => ({ method: 'POST', path: '/api/check/validate_email', body: junk(), type: 'application/json' }),
    () => ({ method: 'POST', path: '/api/status', body: junk(), type: 'application/json' }),
    () => ({ method: 'GET', path: `/api/status/${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/api/livelog/text/${encodeURIComponent(junk())}?start=${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/status/${encodeURIComponent(junk())}` }),
    () => ({ method: 'GET', path: `/repo/src/contrib/${encodeURIComponent(junk())}` }),
  ];
  return pick(random, requests)();
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

async function rssBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/process_resident_memory_bytes (\d+)/.exec(text)?.[1] ?? 0);
}

export async function fuzz(uploads: number, requests: number, random: () => number): Promise<SoakSummary & { rssBefore: number; rssAfter: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-fuzz-'));
  const farm = await LocalFarm.start({
    dataDir,
    adminToken: randomBytes(16).toString('hex'),
    workers: 1,
    controlPlaneEnv: { FARM_UPLOAD_LIMIT_BYTES: String(2 * 1024 * 1024) },
  });
  const notes: string[] = [];
  let serverErrors = 0;
  let notJson = 0;
  try {
    await farm.waitForWorkers(1);
    const filesBefore = listFiles(dataDir).filter((path) => !relative(dataDir, path).startsWith('nats'));
    const rssBefore = await rssBytes(farm.url);
    const record = async (response: Response | null, what: string) => {
      if (!response) {
        serverErrors++;
        notes.push(`no answer to ${what}`);
        return;
      }
      const text = await response.text();
      if (response.status >= 500) {
        serverErrors++;
        notes.push(`${response.status} for ${what}: ${text.slice(0, 200)}`);
      }
      if (response.status >= 400 && !/"message"/.test(text)) {
        notJson++;
        if (notJson <= 5) notes.push(`not a JSON error for ${what}: ${response.status} ${text.slice(0, 120)}`);
      }
    };
    for (let index = 0; index < uploads; index++) {
      const upload = await malformedUpload(random, index);
      const response = await fetch(`${farm.url}/jobs/submit/tarball${upload.query ?? ''}`, {
        method: 'PUT',
        headers: { 'content-type': upload.type },
        body: new Uint8Array(upload.body),
      }).catch(() => null);
      if (response?.status === 202) continue; // a mutation may still be a valid package
      await record(response, `upload #${index}`);
    }
    for (let index = 0; index < requests; index++) {
      const request = malformedRequest(random);
      const headers: Record<string, string> = { accept: 'application/json', ...(request.type ? { 'content-type': request.type } : {}) };
      const response = await fetch(`${farm.url}${request.path}`, { method: request.method, headers, body: request.body }).catch(() => null);
      if (response && response.status < 400) {
        await response.body?.cancel();
        continue;
      }
      await record(response, `${request.method} ${request.path.slice(0, 80)}`);
    }
    const rssAfter = await rssBytes(farm.url);
    const filesAfter = listFiles(dataDir).filter((path) => !relative(dataDir, path).startsWith('nats'));
    const written = filesAfter.filter((path) => !filesBefore.includes(path) && !relative(dataDir, path).startsWith('builds'));
    if (written.length > 0) notes.push(`files written outside job directories: ${written.slice(0, 5).join(', ')}`);
    notes.push(`${notJson} error answers without a JSON message; control plane RSS ${(rssBefore / 1e6).toFixed(0)} MB → ${(rssAfter / 1e6).toFixed(0)} MB`);
    return {
      scenario: 'fuzz',
      submitted: uploads + requests,
      completed: 0,
      lost: 0,
      duplicated: 0,
      incompleteOutput: 0,
      serverErrors,
      badAnswers: written.length + notJson,
      notes,
      rssBefore,
      rssAfter,
    };
  } finally {
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
