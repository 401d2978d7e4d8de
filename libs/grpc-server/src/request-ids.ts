import { createHash } from 'node:crypto';

/** The namespace of visitsarch's name-based sequence UUIDs (a fixed random UUID). */
const NAMESPACE = Buffer.from('5c0d7a1e9b2f4e8a8f3d6b1c2a4e9d70', 'hex');

/**
 * The UUID of the sequence recorded for a client request id (AIP-155): an RFC 4122 version 5
 * UUID of the id, so a retry lands on the same UUID and archive path. The gateway names new
 * sequences with it; consdb-ingest finds what a retried ingest already recorded with it.
 */
export function sequenceUuidForRequest(requestId: string): string {
  const digest = createHash('sha1').update(NAMESPACE).update(requestId.toLowerCase()).digest();
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
