import { createHash, randomUUID } from 'node:crypto';
import { invalidArgument } from '@visitsarch/grpc-server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The namespace of visitsarch's name-based UUIDs (a fixed random UUID). */
const NAMESPACE = Buffer.from('5c0d7a1e9b2f4e8a8f3d6b1c2a4e9d70', 'hex');

/**
 * The UUID a new sequence gets. With a client request id (AIP-155) it is derived from it
 * (RFC 4122 version 5), so a retry lands on the same UUID and the same archive path: the
 * gateway can tell "already done" from "half done by a crashed attempt" without extra state.
 */
export function sequenceUuidFor(requestId: string): string {
  if (requestId === '') return randomUUID();
  if (!UUID.test(requestId)) throw invalidArgument(`request_id must be an RFC 4122 UUID, got ${JSON.stringify(requestId)}`, 'request_id');
  const digest = createHash('sha1').update(NAMESPACE).update(requestId.toLowerCase()).digest();
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
