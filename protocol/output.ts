/** Publishing console output, shared by agents (the build's own output) and the control plane (end markers). */
import { headers } from '@nats-io/transport-node';
import type { FarmConnection } from './jetstream.ts';
import { OUTPUT_HEADERS, subjects } from './messages.ts';

export interface OutputMessage {
  readonly attempt: number;
  readonly text: string;
  /** The build's final status when this is the last message. */
  readonly end?: string;
  /** Unique per message: a publish retried after a lost ack is stored once. */
  readonly id?: string;
}

/** Publishes one output message and waits for JetStream to store it. */
export async function publishOutput(farm: FarmConnection, jobId: string, platform: string, message: OutputMessage): Promise<void> {
  const messageHeaders = headers();
  messageHeaders.set(OUTPUT_HEADERS.attempt, String(message.attempt));
  if (message.end !== undefined) messageHeaders.set(OUTPUT_HEADERS.end, message.end);
  await farm.js.publish(subjects.output(jobId, platform), new TextEncoder().encode(message.text), {
    headers: messageHeaders,
    ...(message.id ? { msgID: message.id } : {}),
  });
}
