import type { Metadata } from '@grpc/grpc-js';
import { invalidArgument, REQUEST_FINGERPRINT_HEADER, requestFingerprint, reusedRequestId } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { optionalUuid } from './validation';

/** What tells a retry of a creating request (AIP-155) from another request: its request_id and its fingerprint. */
export interface RequestIdentity {
  /** The request_id (undefined or empty: no protection). */
  requestId: string | undefined;
  /** requestFingerprint of the request (or the one its caller sent); '' without a request_id. */
  fingerprint: string;
}

/** The identity of a creating request: its request_id and the fingerprint of the rest of it. */
export function requestIdentity(request: { requestId?: string }): RequestIdentity {
  return { requestId: request.requestId, fingerprint: request.requestId ? requestFingerprint(request) : '' };
}

/**
 * The identity of a RegistryService create: the gateway makes it for its own client's request and
 * sends that request's fingerprint along (REQUEST_FINGERPRINT_HEADER), since what it derives for
 * the record differs between two attempts of one client request; without it, the request's own.
 */
export function registryRequestIdentity(request: { requestId?: string }, metadata: Metadata | undefined): RequestIdentity {
  const sent = metadata?.get(REQUEST_FINGERPRINT_HEADER)[0];
  if (sent === undefined || !request.requestId) return requestIdentity(request);
  if (typeof sent !== 'string' || !/^[0-9a-f]{64}$/.test(sent)) throw invalidArgument(`${REQUEST_FINGERPRINT_HEADER} must be a lower-case hex SHA-256`, REQUEST_FINGERPRINT_HEADER);
  return { requestId: request.requestId, fingerprint: sent };
}

/**
 * AIP-155 request ids: the first request with an id does its work and records, in the same transaction,
 * which resource it made and the request's fingerprint; a retry with that id and the same fingerprint
 * finds the record and answers from the resource instead. The same id with another fingerprint is a
 * different request: ALREADY_EXISTS (reusedRequestId). A record made before fingerprints were kept
 * (NULL) replays whatever the request. Two concurrent requests with one id race: the loser fails
 * (on the record's primary key, or on the resource's) and rolls back, finds the winner's record,
 * and replays it (or fails, if it was a different request).
 */
export async function idempotent<R, T>(
  database: ArchiveDatabase,
  request: RequestIdentity,
  method: string,
  work: (tx: Tx) => Promise<{ resource: R; result: T }>,
  replay: (resource: R) => Promise<T>,
): Promise<T> {
  const id = optionalUuid(request.requestId, 'request_id');
  if (!id) return database.transaction(async (tx) => (await work(tx)).result);
  const recalled = async () =>
    (await database.rows<{ resource: R; request_fingerprint: string | null }>('SELECT resource, request_fingerprint FROM idempotent_requests WHERE request_id = $1 AND method = $2', [id, method]))[0];
  const answer = (earlier: { resource: R; request_fingerprint: string | null }) => {
    if (earlier.request_fingerprint !== null && earlier.request_fingerprint !== request.fingerprint) throw reusedRequestId(id, method);
    return replay(earlier.resource);
  };
  const earlier = await recalled();
  if (earlier) return answer(earlier);
  try {
    return await database.transaction(async (tx) => {
      const { resource, result } = await work(tx);
      await tx.rows('INSERT INTO idempotent_requests (request_id, method, resource, request_fingerprint) VALUES ($1, $2, $3, $4)', [
        id,
        method,
        JSON.stringify(resource),
        request.fingerprint,
      ]);
      return result;
    });
  } catch (error) {
    // Lost a race if the id is recorded now: on its primary key, or on the resource's own (the
    // gateway names a new sequence after the request id, so the winner's row blocks ours first).
    const winner = await recalled();
    if (!winner) throw error;
    return answer(winner);
  }
}
