/**
 * A loopback stand-in for the subset of S3 the backup service uses (path-style PutObject,
 * GetObject, ListObjectsV2, DeleteObject), so `@aws-sdk/client-s3` runs for real against it. It
 * refuses unsigned requests and decodes `aws-chunked` bodies, as S3 does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3StandIn {
  readonly server: Server;
  readonly endpoint: string;
  /** bucket/key → bytes. */
  readonly objects: Map<string, Buffer>;
  readonly requests: string[];
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `<hex size>[;…]\r\n<data>\r\n` … `0[;…]\r\n` (then trailers). */
function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const end = raw.indexOf('\r\n', offset);
    const size = parseInt(raw.subarray(offset, end).toString('latin1').split(';')[0], 16);
    if (!size) return Buffer.concat(parts);
    parts.push(raw.subarray(end + 2, end + 2 + size));
    offset = end + 2 + size + 2;
  }
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export async function s3StandIn(bucket: string): Promise<S3StandIn> {
  const objects = new Map<string, Buffer>();
  const requests: string[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      if (!/^AWS4-HMAC-SHA256 Credential=/.test(request.headers.authorization ?? '')) {
        response.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>unsigned</Message></Error>');
        return;
      }
      const [, name, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (name !== bucket) {
        response.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchBucket</Code><Message>no bucket</Message></Error>');
        return;
      }
      if (request.method === 'PUT') {
        const raw = await body(request);
        const chunked =
          /aws-chunked/.test(String(request.headers['content-encoding'] ?? '')) || /^STREAMING-/.test(String(request.headers['x-amz-content-sha256'] ?? ''));
        objects.set(`${bucket}/${key}`, chunked ? decodeAwsChunked(raw) : raw);
        response.writeHead(200, { etag: '"stand-in"' }).end();
      } else if (request.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
        const prefix = url.searchParams.get('prefix') ?? '';
        const keys = [...objects.keys()]
          .filter((stored) => stored.startsWith(`${bucket}/${prefix}`))
          .map((stored) => stored.slice(bucket.length + 1))
          .sort();
        const contents = keys
          .map((stored) => `<Contents><Key>${xml(stored)}</Key><Size>${objects.get(`${bucket}/${stored}`)!.length}</Size></Contents>`)
          .join('');
        response
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
          );
      } else if (request.method === 'GET') {
        const stored = objects.get(`${bucket}/${key}`);
        if (!stored) response.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>');
        else response.writeHead(200, { 'content-length': stored.length, 'content-type': 'application/octet-stream' }).end(stored);
      } else if (request.method === 'DELETE') {
        objects.delete(`${bucket}/${key}`);
        response.writeHead(204).end();
      } else response.writeHead(405).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}`, objects, requests };
}
