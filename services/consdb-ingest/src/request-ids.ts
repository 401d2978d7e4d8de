/**
 * Request ids (AIP-155) and the sequence UUIDs the gateway derives from them.
 *
 * The gateway names a sequence recorded with a request id by an RFC 4122 version 5 UUID of
 * that id (services/gateway/src/support/request-id.ts), so a retry lands on the same UUID.
 * This service needs the same derivation to find the sequences a retried ingest already
 * recorded — and to stream their stored visits back instead of querying ConsDB again. The
 * two copies must agree; the end-to-end retry test (test/consdb-ingest.spec.ts) fails if
 * they do not. (Moving the function to a shared library removes the copy: see docs/consdb.md.)
 */
import { createHash } from 'node:crypto';

/** The gateway's namespace for name-based sequence UUIDs. */
const NAMESPACE = Buffer.from('5c0d7a1e9b2f4e8a8f3d6b1c2a4e9d70', 'hex');

/** The UUID the gateway gives a sequence recorded with `requestId` (a non-empty RFC 4122 UUID). */
export function sequenceUuidForRequest(requestId: string): string {
  const digest = createHash('sha1').update(NAMESPACE).update(requestId.toLowerCase()).digest();
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A UUID-shaped request id derived from the caller's, so a retried ingest's mixed sequence is not duplicated. */
export function derivedRequestId(requestId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${requestId}/${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
