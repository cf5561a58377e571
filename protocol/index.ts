/** The public entry of `protocol/`: the NATS contract shared by the control plane and the agents. */
export * from './messages.ts';
export * from './jetstream.ts';
export * from './records.ts';
export * from './output.ts';
export * from './transient.ts';
export * from './nats-errors.ts';
export * from './signals.ts';
export * from './stream-reads.ts';
export * from './live-workers.ts';
export * from './object-chunks.ts';
export { writeObjectByName } from './object-access.ts';
export * from './object-writes.ts';
export * from './build-consumer.ts';
export * from './permissions.ts';
export * from './nats-availability.ts';
