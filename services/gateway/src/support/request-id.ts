import { createHash, randomUUID } from 'node:crypto';
import { invalidArgument, sequenceUuidForRequest } from '@visitsarch/grpc-server';
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
