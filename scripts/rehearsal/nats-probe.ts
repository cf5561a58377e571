/**
 * Least privilege on the rehearsed NATS: a builder pool's own credentials, over TLS to a rehearsed
 * node by its farm name, may not delete the builds stream, create another pool's consumer or
 * overwrite (or delete) an upload.
 */
import { connect, credsAuthenticator, Empty } from '@nats-io/transport-node';
import { agentInboxPrefix, BUILDS_STREAM, UPLOADS_BUCKET } from '../../protocol/index.ts';
import type { Row } from './report.ts';

/** Tries the forbidden actions as `platformId`'s pool, against `address` presenting `servername`'s certificate. */
export async function probeAgentPermissions(
  address: string,
  servername: string,
  ca: string,
  creds: string,
  platformId: string,
  otherPlatformId: string,
): Promise<Row> {
  const what = `pool ${platformId}'s NATS user is refused other pools' work, stream admin and writing uploads`;
  const nc = await connect({
    servers: `tls://${address}:4222`,
    tls: { ca, servername } as never,
    authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
    inboxPrefix: agentInboxPrefix(platformId),
  });
  try {
    const refusals: string[] = [];
    const attempts = {
      [`delete ${BUILDS_STREAM}`]: `$JS.API.STREAM.DELETE.${BUILDS_STREAM}`,
      [`create ${otherPlatformId}'s consumer`]: `$JS.API.CONSUMER.CREATE.${BUILDS_STREAM}.agents-${otherPlatformId}.rfarm.builds.${otherPlatformId}`,
      // Any object's metadata: overwriting it is how an object is replaced or deleted.
      ['overwrite an upload']: `$O.${UPLOADS_BUCKET}.M.dXBsb2FkL2pvYi50YXIuZ3o=`,
    };
    for (const [action, subject] of Object.entries(attempts)) {
      const outcome = await nc.request(subject, Empty, { timeout: 5000 }).then(
        () => 'allowed',
        (error: Error) => String(error),
      );
      if (!/permissions violation/i.test(outcome)) return { area: 'security', what, held: false, detail: `${action}: ${outcome}` };
      refusals.push(action);
    }
    return { area: 'security', what, held: true, detail: `TLS to ${servername}; refused: ${refusals.join(', ')}` };
  } finally {
    await nc.close();
  }
}
