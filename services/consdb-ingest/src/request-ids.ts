/**
 * Request ids (AIP-155) of what an ingest records. The sequence UUID of a request id is
 * `sequenceUuidForRequest` of @visitsarch/grpc-server, the derivation the gateway names new
 * sequences with, so a retried ingest finds what it already recorded.
 */
import { createHash } from 'node:crypto';

/** A UUID-shaped request id derived from the caller's, so a retried ingest's mixed sequence is not duplicated. */
export function derivedRequestId(requestId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${requestId}/${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
