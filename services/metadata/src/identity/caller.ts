import { type Metadata, status } from '@grpc/grpc-js';
import { scopeRefusal, type Caller, type Scope } from '@visitsarch/auth';
import { callerOfCall, GrpcError, recordedIdentity } from '@visitsarch/grpc-server';

/** Who a call acts for: @visitsarch/grpc-server's rule, used here by the service's call sites. */
export { callerOfCall };

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
