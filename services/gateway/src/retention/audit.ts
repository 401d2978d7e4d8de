import type * as grpc from '@grpc/grpc-js';
import { invalidArgument, recordedIdentity } from '@visitsarch/grpc-server';

/** The call of a server-streaming handler, the parent of the calls it makes. */
export type StreamingCall = grpc.ServerWritableStream<unknown, unknown>;

/**
 * Who runs an administrative operation, as the audit log records it: the caller's identity. The
 * request's `actor` may confirm it, or be left empty; another name is refused (recordedIdentity).
 */
export function auditActor(requested: string | undefined, call: grpc.ServerWritableStream<unknown, unknown>): string {
  const actor = recordedIdentity(call.metadata, requested, 'actor', 'administrative operations', 'ACTOR_NOT_CALLER');
  if (!actor) throw invalidArgument('actor is required: who runs this operation, for the audit log', 'actor');
  return actor;
}

/** A required google.protobuf.Duration in milliseconds; INVALID_ARGUMENT if unset or negative. */
export function durationMs(duration: { seconds?: number; nanos?: number } | undefined, field: string): number {
  if (!duration) throw invalidArgument(`${field} is required`, field);
  const ms = Number(duration.seconds ?? 0) * 1000 + Number(duration.nanos ?? 0) / 1e6;
  if (!Number.isFinite(ms) || ms < 0 || Number(duration.nanos ?? 0) < 0) throw invalidArgument(`${field} must not be negative`, field);
  return ms;
}

/** The message of a failure of a downstream call (its status details) or of anything else. */
export function errorMessage(error: unknown): string {
  const failure = error as Partial<grpc.ServiceError>;
  return failure?.details || (error instanceof Error ? error.message : String(error));
}
