/** Reading request bodies: raw bytes whatever the Content-Type says, or JSON. */
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { invalidRequest } from './errors.ts';

/** Largest body accepted: a DESCRIPTION is a few kB. */
export const BODY_LIMIT = '1mb';

/** Largest source package accepted by `POST /resolve` (CRAN's own limit is far lower). */
export const SOURCE_BODY_LIMIT = '100mb';

/**
 * The body as bytes. Never form-decodes: `curl --data-binary @DESCRIPTION` (remotes, pak) sends
 * `application/x-www-form-urlencoded` although the body is a raw DESCRIPTION.
 */
export async function readRawBody(ctx: Context, limit: string = BODY_LIMIT): Promise<Uint8Array> {
  return new Uint8Array(await getRawBody(ctx.req, { limit }));
}

/** The body parsed as JSON; throws `invalid_request` when it is not. */
export async function readJsonBody(ctx: Context): Promise<unknown> {
  const text = new TextDecoder().decode(await readRawBody(ctx));
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw invalidRequest(`the body must be JSON: ${(cause as Error).message}`);
  }
}
