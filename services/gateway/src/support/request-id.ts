import { createHash, randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { invalidArgument, REQUEST_FINGERPRINT_HEADER, sequenceUuidForRequest } from '@visitsarch/grpc-server';
import { isUuid } from '@visitsarch/validation';

/**
 * The UUID a new sequence gets. With a client request id (AIP-155) it is derived from it
 * (RFC 4122 version 5), so a retry lands on the same UUID and the same archive path: the
 * gateway can tell "already done" from "half done by a crashed attempt" without extra state.
 */
export function sequenceUuidFor(requestId: string): string {
  if (requestId === '') return randomUUID();
  if (!isUuid(requestId)) throw invalidArgument(`request_id must be an RFC 4122 UUID, got ${JSON.stringify(requestId)}`, 'request_id');
  return sequenceUuidForRequest(requestId);
}

/**
 * A UUID-shaped request id derived from the caller's for a further record the same request makes
 * (QueryConsdb's mixed sequence), so a retry finds it rather than duplicating it.
 */
export function derivedRequestId(requestId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${requestId}/${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The call metadata of a RegistryService create made for a client request with a request id: the
 * fingerprint of what the client asked (requestFingerprint), which the metadata service keeps
 * with the id and compares on a retry instead of the record's own, as what the gateway derives
 * for the record (a creation time of now, object names) differs between two attempts of one
 * client request. Without a request id, none.
 */
export function fingerprintMetadata(requestId: string, fingerprint: string): Metadata | undefined {
  if (!requestId) return undefined;
  const metadata = new Metadata();
  metadata.set(REQUEST_FINGERPRINT_HEADER, fingerprint);
  return metadata;
}
