import type * as grpc from '@grpc/grpc-js';
import { parseScopes, type Scope } from './scopes';

/** A client's bearer token: `authorization: Bearer vsa_<token_id>_<secret>`. */
export const AUTHORIZATION = 'authorization';
/** The service credential every call between the archive's own services carries. */
export const PEER_HEADER = 'x-visitsarch-peer';
/** Who the call acts for: set by the gateway once it has authenticated the caller, trusted only beside the peer credential. */
export const IDENTITY_HEADER = 'x-visitsarch-identity';
/** The caller's scopes, comma-separated, set with IDENTITY_HEADER. */
export const SCOPES_HEADER = 'x-visitsarch-scopes';
/**
 * Who may present the Flight tickets the gateway signs on this call (see flight-ticket.ts): set by
 * the gateway's interceptor from the bearer token before it removes `authorization`.
 */
export const CALLER_BINDING_HEADER = 'x-visitsarch-caller-binding';
/** The user the ingress (Gafaelfawr) authenticated, read by the gateway in AUTH_MODE=ingress only. */
export const INGRESS_USER_HEADER = 'x-auth-request-user';

/** Headers only the archive itself may set. */
const OWN_PREFIX = 'x-visitsarch-';

/** Who a call acts for and what it may do. */
export interface Caller {
  identity: string;
  scopes: Scope[];
}

/**
 * The caller named by a call's identity headers, or undefined without them. Servers trust these
 * only on calls whose peer credential they checked (the interceptor removes them from others).
 */
export function callerOf(metadata: grpc.Metadata): Caller | undefined {
  const identity = decode(first(metadata, IDENTITY_HEADER));
  if (!identity) return undefined;
  try {
    return { identity, scopes: parseScopes((first(metadata, SCOPES_HEADER) ?? '').split(',').filter(Boolean)) };
  } catch {
    return undefined;
  }
}

/** Sets the identity headers (replacing any). */
export function setCaller(metadata: grpc.Metadata, caller: Caller): void {
  metadata.set(IDENTITY_HEADER, encode(caller.identity));
  metadata.set(SCOPES_HEADER, caller.scopes.join(','));
}

/** The token of an `authorization: Bearer <token>` header; undefined without one. */
export function bearerTokenOf(metadata: grpc.Metadata): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(first(metadata, AUTHORIZATION) ?? '');
  return match?.[1];
}

/**
 * Removes what a client must not choose on the way in: `authorization`, every `x-visitsarch-*`
 * header, and the ingress's user header (read by the gateway alone, before it calls this).
 */
export function stripClientAuthHeaders(metadata: grpc.Metadata): void {
  stripOwnHeaders(metadata);
  metadata.remove(AUTHORIZATION);
  metadata.remove(INGRESS_USER_HEADER);
}

/** Removes every `x-visitsarch-*` header: what a call without the service credential may not carry. */
export function stripOwnHeaders(metadata: grpc.Metadata): void {
  for (const key of Object.keys(metadata.getMap())) if (key.startsWith(OWN_PREFIX)) metadata.remove(key);
}

/** The first text value of a header. */
export function first(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : value?.toString('utf8');
}

// gRPC header values are printable ASCII: an identity with other characters travels percent-encoded.
function encode(text: string): string {
  return text.replace(/[^ -$&-~]/gu, (character) => encodeURIComponent(character));
}

function decode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
