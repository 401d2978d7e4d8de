import { type Metadata, status } from '@grpc/grpc-js';
import { callerOf, scopeRefusal, type Caller, type Scope } from '@visitsarch/auth';
import { GrpcError, recordedIdentity } from '@visitsarch/grpc-server';

/**
 * Who a call acts for, as the gateway said in the identity headers (decision 0020). The server's
 * interceptor removes those headers from calls without the service credential, so what is left
 * here can be trusted. Calls without them come from the archive's own services or tests.
 */
export function callerOfCall(metadata: Metadata | undefined): Caller | undefined {
  return typeof metadata?.get === 'function' ? callerOf(metadata) : undefined;
}

/** The audit log's actor of a call made without identity headers. */
export const UNKNOWN_ACTOR = 'unknown';

/** The identity a call's writes are recorded under (`unknown` without one). */
export function actorOf(metadata: Metadata | undefined): string {
  return callerOfCall(metadata)?.identity || UNKNOWN_ACTOR;
}

/**
 * The caller, who must hold `needed`: UNAUTHENTICATED without identity headers, PERMISSION_DENIED
 * naming the scope without it. The gateway checks the same before it forwards (defence in depth).
 */
export function requireScope(metadata: Metadata | undefined, needed: Scope): Caller {
  const caller = callerOfCall(metadata);
  if (!caller) throw new GrpcError(status.UNAUTHENTICATED, `this call needs a caller with the ${needed} scope, and names none`, { reason: 'NO_CALLER' });
  const refusal = scopeRefusal(caller, needed, 'this call');
  if (refusal) throw new GrpcError(status.PERMISSION_DENIED, refusal, { reason: 'SCOPE_MISSING', metadata: { scope: needed } });
  return caller;
}

/** The author a comment is recorded under: the caller's identity (recordedIdentity, libs/grpc-server). */
export function commentAuthor(requested: string | undefined, metadata: Metadata | undefined): string | undefined {
  return recordedIdentity(metadata, requested, 'author', 'comments', 'AUTHOR_NOT_CALLER');
}
