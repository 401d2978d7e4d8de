import { randomUUID } from 'node:crypto';
import { invalidArgument, sequenceUuidForRequest } from '@visitsarch/grpc-server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The UUID a new sequence gets. With a client request id (AIP-155) it is derived from it
 * (RFC 4122 version 5), so a retry lands on the same UUID and the same archive path: the
 * gateway can tell "already done" from "half done by a crashed attempt" without extra state.
 */
export function sequenceUuidFor(requestId: string): string {
  if (requestId === '') return randomUUID();
  if (!UUID.test(requestId)) throw invalidArgument(`request_id must be an RFC 4122 UUID, got ${JSON.stringify(requestId)}`, 'request_id');
  return sequenceUuidForRequest(requestId);
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
