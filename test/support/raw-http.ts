/** Plain node:http requests for tests that need what fetch hides: early answers, held bodies, process memory. */
import { request, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * Sends `body` and resolves with the answer, even when the server answers before taking the whole
 * body and closes (a write error after the answer is expected then).
 */
export function sendBody(url: string, method: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-length': String(body.length), ...headers } });
    let answered = false;
    req.on('response', (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(parts).toString('utf8') }));
      response.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(body);
  });
}

/** A process's resident memory now and at its peak (VmRSS, VmHWM of /proc/<pid>/status), in bytes. */
export function processMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
