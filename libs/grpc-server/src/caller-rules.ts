import { type Metadata, status } from '@grpc/grpc-js';
import { callerOf, scopeRefusal, type Caller, type Scope } from '@visitsarch/auth';
import { GrpcError } from './errors';

/**
 * Who a call acts for, as the gateway said in the identity headers (decision 0020). The server's
 * interceptor removes those headers from calls without the service credential, so what is left
 * here can be trusted. Calls without them come from the archive's own services or tests.
 */
export function callerOfCall(metadata: Metadata | undefined): Caller | undefined {
  return typeof metadata?.get === 'function' ? callerOf(metadata) : undefined;
}

/**
 * The identity an action is recorded under (a comment's author, the audit log's actor): the
 * caller's, as the gateway authenticated it (decision 0020). A request naming someone else in
 * `field` is refused (PERMISSION_DENIED, `reason`): nobody writes in another's name. Naming none,
 * or the caller, is fine. Without identity headers (the archive's own calls, tests), what the
 * request names, if anything.
 */
export function recordedIdentity(metadata: Metadata | undefined, requested: string | undefined, field: string, recorded: string, reason: string): string | undefined {
  const caller = callerOfCall(metadata);
  if (!caller) return requested || undefined;
  if (requested && requested !== caller.identity) {
    throw new GrpcError(status.PERMISSION_DENIED, `${recorded} are recorded under your identity ${caller.identity}; leave ${field} empty (it was ${JSON.stringify(requested.slice(0, 64))})`, { reason });
  }
  return caller.identity;
}

/**
 * PERMISSION_DENIED unless the caller holds `needed`, for what a call may do beyond its method's
 * own scope (which the interceptor checked), named by `what`. Calls without identity headers are
 * the archive's own services' (their peer credential was checked) and pass.
 */
export function requireScopeFor(metadata: Metadata | undefined, needed: Scope, what: string): void {
  const caller = callerOfCall(metadata);
  const refusal = caller && scopeRefusal(caller, needed, what);
  if (refusal) throw new GrpcError(status.PERMISSION_DENIED, refusal, { reason: 'SCOPE_REQUIRED', metadata: { scope: needed } });
}
