import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { GrpcError } from './errors';

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

/**
 * The call-metadata key under which the gateway sends, with a RegistryService create it makes for
 * its own client's request, the fingerprint of that client request (requestFingerprint): what it
 * derives for the record (a creation time of "now", an object name) differs between two
 * attempts of one client request, so the record's own parameters cannot tell a retry from a
 * different request. Under the `x-visitsarch-` prefix: the gateway strips it from its clients'
 * calls, as it does the peer credential and identity (libs/auth headers.ts).
 */
export const REQUEST_FINGERPRINT_HEADER = 'x-visitsarch-request-fingerprint';

/**
 * The fingerprint of a creating request (AIP-155): the SHA-256 (hex) of the canonical JSON of its
 * decoded message without `requestId`. A retry must carry the same request_id and the same
 * fingerprint; the same id with another fingerprint is a different request. Canonical: object
 * keys sorted, fields unset or at their proto3 default (false, 0, '', empty lists, bytes and
 * messages) left out, bytes as hex, instants as ISO-8601 text, non-finite numbers as text. The
 * decoded message rather than its wire bytes: the same request may be encoded differently (field
 * order, explicit defaults, another client library). Defaults left out: an omitted field and one
 * set to its default agree, and a field a later version of the contract adds changes no
 * fingerprint of a request without it (a retry across a rolling upgrade still replays).
 */
export function requestFingerprint(request: object): string {
  const parameters: Record<string, unknown> = { ...request };
  delete parameters.requestId;
  return createHash('sha256').update(canonicalJson(parameters)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, field]) => !isDefault(field));
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** True for an unset field and proto3's defaults: false, 0, '', and empty lists, bytes and messages. */
function isDefault(field: unknown): boolean {
  if (field === undefined || field === null || field === false || field === 0 || field === '') return true;
  if (Array.isArray(field)) return field.length === 0;
  if (field instanceof Uint8Array) return field.byteLength === 0;
  return typeof field === 'object' && !(field instanceof Date) && canonicalJson(field) === '{}';
}

/** The ErrorInfo reason of reusedRequestId. */
export const REQUEST_ID_REUSED = 'REQUEST_ID_REUSED';

/**
 * The failure of a creating request whose request_id an earlier, different request of the same
 * method used (another fingerprint). ALREADY_EXISTS: the id is a client-chosen name already taken
 * (as a client-chosen resource id is, AIP-133), not malformed (INVALID_ARGUMENT), and no change of
 * the archive's state would let it through (FAILED_PRECONDITION): only a new request_id does.
 */
export function reusedRequestId(requestId: string, method: string): GrpcError {
  return new GrpcError(
    status.ALREADY_EXISTS,
    `request_id ${requestId} was already used for a different request; use a new request_id (reuse one only to retry the very same request)`,
    { reason: REQUEST_ID_REUSED, resource: { type: 'Request', name: `${method}/${requestId}` } },
  );
}
