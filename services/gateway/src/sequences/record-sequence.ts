import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { chunkRequestBytes, receivedChunkRequest } from '@visitsarch/arrow-ipc';
import { blobArchiveV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { markFramable, type CallOptions } from '@visitsarch/grpc-client';
import { errorReason, invalidArgument, receivedBytesOf, REQUEST_ID_REUSED } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { archiveDirectory } from '../support/archive-directory';
import { Downstream } from '../support/downstream';
import { mapAsync } from '../support/streams';
import { fingerprintMetadata, sequenceUuidFor } from '../support/request-id';
import { optionalDayObs, requireTelescope, requireText } from './validation';

type ParentCall = CallOptions['parent'];

/** What every "add visits" request says about the new sequence (simulation or completed). */
export interface NewSequence {
  label: string;
  telescope: string;
  firstDayObs?: string;
  lastDayObs?: string;
  creationTime?: Date;
  /** undefined: the default archive; '': metadata only; else the archive's base URL. */
  archiveUrl?: string;
  tags: string[];
  requestId: string;
  format: typeV1.TableFormat;
  kind: typeV1.VisitSequenceKind;
  simulation?: metadataV1.SimulationDetails;
  completed?: metadataV1.CompletedDetails;
  /**
   * The fingerprint of the client's request (requestFingerprint) given the canonical hash of the
   * visits, which tells a retry from a different request with the same request id (AIP-155): an
   * upload's visits are part of what its client asked, an ingest's come from ConsDB.
   */
  fingerprint: (visitseqSha256: Uint8Array) => string;
}

export interface RecordedSequence {
  visitseqUuid: string;
  visitseqUrl?: string;
  visitseqSha256: Uint8Array;
  rowCount: number;
  visitSequence: metadataV1.VisitSequence;
}

interface StoredTable {
  visitseqSha256: Uint8Array;
  rowCount: number;
  firstDayObs: string;
  lastDayObs: string;
  file?: { url: string; sha256: Uint8Array; size: number };
}

/**
 * Records a sequence from its visits, all or nothing: the visits are streamed to the blob
 * archive (or only hashed, for metadata-only records), then the metadata row is created with
 * its tags and `visits` file record in one transaction; if that fails, the stored object is
 * deleted. With a request id, a retry returns the first attempt's sequence.
 */
export async function recordSequence(
  downstream: Downstream,
  defaultArchive: string,
  logger: Logger,
  request: NewSequence,
  chunks: AsyncIterable<typeV1.ArrowIpcChunk>,
  call: ParentCall,
): Promise<RecordedSequence> {
  requireText(request.label, 'label');
  requireTelescope(request.telescope);
  const firstDayObs = optionalDayObs(request.firstDayObs, 'first_day_obs');
  const lastDayObs = optionalDayObs(request.lastDayObs, 'last_day_obs');
  if (firstDayObs && lastDayObs && firstDayObs > lastDayObs) throw invalidArgument(`first_day_obs ${firstDayObs} is after last_day_obs ${lastDayObs}`, 'first_day_obs');
  const uuid = sequenceUuidFor(request.requestId);

  if (request.requestId) {
    const existing = await findSequence(downstream, uuid, call);
    if (existing) {
      // A retry: its visits are hashed (not stored again), so that a different request is told apart.
      const hashed = await hashVisits(downstream, call, chunks);
      const record = await confirmRetry(downstream, existing, request.requestId, request.fingerprint(hashed.visitseqSha256), call);
      return { visitseqUuid: uuid, visitseqUrl: record.visitseqUrl, visitseqSha256: record.visitseqSha256, rowCount: hashed.rowCount, visitSequence: record };
    }
  }
  const parent = request.simulation?.parentVisitseqUuid;
  if (parent) await downstream.metadata.unary('getVisitSequence', { visitseqUuid: parent }, { parent: call });

  const creationTime = request.creationTime ?? new Date();
  const archive = request.archiveUrl ?? defaultArchive;
  const stored = await storeOrHash(downstream, call, chunks, archive, {
    ...archiveDirectory(archive, { telescope: request.telescope, creationTime, visitseqUuid: uuid }),
    fileName: '',
    // A retry of the same request id may find the object of an attempt that died before
    // recording it; no metadata row exists (checked above), so replacing it is safe.
    overwrite: request.requestId !== '',
    format: request.format,
  });

  try {
    const first = firstDayObs ?? stored.firstDayObs;
    const last = lastDayObs ?? stored.lastDayObs;
    if (!first || !last) throw invalidArgument('the visits give no day_obs range (no rows, or no day_obs / observationStartMJD / obs_start_mjd column): give first_day_obs and last_day_obs', 'first_day_obs');
    if (stored.rowCount > 0 && stored.firstDayObs && (stored.firstDayObs < first || stored.lastDayObs > last)) {
      throw invalidArgument(`the visits span ${stored.firstDayObs} to ${stored.lastDayObs}, outside first_day_obs ${first} to last_day_obs ${last}`, 'first_day_obs');
    }
    const visitSequence: metadataV1.VisitSequence = {
      visitseqUuid: uuid,
      visitseqSha256: stored.visitseqSha256,
      visitseqLabel: request.label,
      visitseqUrl: stored.file?.url,
      telescope: request.telescope,
      firstDayObs: first,
      lastDayObs: last,
      creationTime,
      kind: request.kind,
      tags: [],
      simulation: request.simulation,
      completed: request.completed,
    };
    const files: metadataV1.VisitSequenceFile[] = stored.file
      ? [{ visitseqUuid: uuid, fileType: 'visits', fileSha256: stored.file.sha256, fileSize: stored.file.size, fileUrl: stored.file.url }]
      : [];
    const created = await downstream.registry.unary(
      'createVisitSequence',
      { visitSequence, requestId: request.requestId, tags: request.tags, files },
      { parent: call, metadata: fingerprintMetadata(request.requestId, request.fingerprint(stored.visitseqSha256)) },
    );
    const record = created.visitSequence as metadataV1.VisitSequence;
    return { visitseqUuid: uuid, visitseqUrl: stored.file?.url, visitseqSha256: stored.visitseqSha256, rowCount: stored.rowCount, visitSequence: record };
  } catch (error) {
    if (stored.file) await discardUnrecorded(downstream, stored.file.url, error, logger, request.requestId !== '');
    throw error;
  }
}

/** The field number of `chunk` in the blob archive's UploadVisitTableRequest and HashVisitTableRequest. */
const UPLOAD_CHUNK_FIELD = 2;
const HASH_CHUNK_FIELD = 1;

/**
 * The requests of the blob archive's UploadVisitTable: the destination, then each chunk. A chunk
 * that arrived as exactly such a request (the clients' uploads put `chunk` in field 2 too, the
 * Arrow bytes 8-aligned) goes on in the bytes it came in; any other is serialized by
 * chunkRequestBytes (one copy, as the generated encoder's), so that the blob archive finds the
 * Arrow bytes 8-aligned and reads them where they are, without copying them. Either is sent in
 * place (received messages are framable, chunkRequestBytes leaves room for the frame's prefix).
 */
export async function* blobUploadRequests(
  destination: blobArchiveV1.VisitTableDestination,
  chunks: AsyncIterable<typeV1.ArrowIpcChunk>,
): AsyncGenerator<blobArchiveV1.UploadVisitTableRequest | Buffer> {
  yield { header: destination };
  for await (const chunk of chunks) yield receivedChunkRequest(receivedBytesOf(chunk), chunk, UPLOAD_CHUNK_FIELD) ?? markFramable(chunkRequestBytes(chunk, UPLOAD_CHUNK_FIELD));
}

async function storeOrHash(
  downstream: Downstream,
  call: ParentCall,
  chunks: AsyncIterable<typeV1.ArrowIpcChunk>,
  archive: string,
  destination: blobArchiveV1.VisitTableDestination,
): Promise<StoredTable> {
  if (archive === '') return hashVisits(downstream, call, chunks);
  const uploaded = await downstream.blobArchive.clientStream('uploadVisitTable', blobUploadRequests(destination, chunks), { parent: call });
  return {
    visitseqSha256: uploaded.visitseqSha256,
    rowCount: uploaded.rowCount,
    firstDayObs: uploaded.firstDayObs,
    lastDayObs: uploaded.lastDayObs,
    file: { url: uploaded.fileUrl, sha256: uploaded.fileSha256, size: uploaded.fileSize },
  };
}

/** The canonical hash of the visits, their row count and nights, from the blob archive, which stores nothing. */
async function hashVisits(downstream: Downstream, call: ParentCall, chunks: AsyncIterable<typeV1.ArrowIpcChunk>): Promise<StoredTable> {
  const hashed = await downstream.blobArchive.clientStream('hashVisitTable', mapAsync(chunks, (chunk) => markFramable(chunkRequestBytes(chunk, HASH_CHUNK_FIELD))), { parent: call });
  return { visitseqSha256: hashed.visitseqSha256, rowCount: hashed.rowCount, firstDayObs: hashed.firstDayObs, lastDayObs: hashed.lastDayObs };
}

/**
 * A retry whose sequence is already recorded (found by the UUID its request id gives): the create
 * is sent again with the request id and the fingerprint of this attempt's client request, as AIP-155
 * has it. The metadata service, which kept the first attempt's fingerprint with the id, answers the
 * same request from the record and refuses a different one (ALREADY_EXISTS, REQUEST_ID_REUSED); it
 * never makes this create, so the record goes as found (without its URL, which would need its files).
 */
export async function confirmRetry(
  downstream: Downstream,
  recorded: metadataV1.VisitSequence,
  requestId: string,
  fingerprint: string,
  call: ParentCall,
): Promise<metadataV1.VisitSequence> {
  const replayed = await downstream.registry.unary(
    'createVisitSequence',
    { visitSequence: { ...recorded, visitseqUrl: undefined }, requestId, tags: [], files: [] },
    { parent: call, metadata: fingerprintMetadata(requestId, fingerprint) },
  );
  return replayed.visitSequence ?? recorded;
}

/** The sequence with this UUID, or undefined if there is none. */
export async function findSequence(downstream: Downstream, uuid: string, call?: ParentCall): Promise<metadataV1.VisitSequence | undefined> {
  return (await lookUpSequence(downstream, uuid, call))?.visitSequence;
}

/** The sequence with this UUID and the record of its stored visits (if metadata sent it), or undefined if there is none. */
export async function lookUpSequence(downstream: Downstream, uuid: string, call?: ParentCall): Promise<metadataV1.GetVisitSequenceResponse | undefined> {
  try {
    const found = await downstream.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, { parent: call });
    return found.visitSequence ? found : undefined;
  } catch (error) {
    if ((error as grpc.ServiceError).code === status.NOT_FOUND) return undefined;
    throw error;
  }
}

/** Compensation: removes an object whose metadata could not be recorded. Never masks the original error. */
/**
 * Failures after which the record may have been written anyway: the service committed, then died,
 * timed out or was cut off before it answered (or our own code failed in an unforeseen way).
 */
const MAYBE_RECORDED = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED, status.UNKNOWN, status.INTERNAL, status.ABORTED, status.DATA_LOSS]);

/**
 * After recording a stored object failed: deletes the object when the failure says no record was
 * written, keeps it otherwise. A record must never point at a deleted object; an object no record
 * points to is only space, which `visitsarch gc` reclaims (and a retry with the same request id
 * overwrites it). `pathOfRequestId`: the object was stored at a path its request id names (and
 * overwrote what was there), so another request with that id may have recorded it.
 */
export async function discardUnrecorded(downstream: Downstream, url: string, failure: unknown, logger: Logger, pathOfRequestId: boolean): Promise<void> {
  const code = (failure as { code?: unknown }).code;
  const reusedPath = pathOfRequestId && errorReason(failure) === REQUEST_ID_REUSED;
  if (typeof code !== 'number' || MAYBE_RECORDED.has(code) || reusedPath) {
    logger.warn({ url, code }, 'kept a stored object whose record may have been written: visitsarch gc removes it if no record points to it');
    return;
  }
  await deleteQuietly(downstream, url, logger);
}

export async function deleteQuietly(downstream: Downstream, url: string, logger: Logger): Promise<void> {
  try {
    await downstream.blobArchive.unary('deleteObject', { url, allowMissing: true }, { deadline: Date.now() + 30_000 });
  } catch (error) {
    logger.error({ url, err: error }, 'could not delete an object whose metadata was not recorded: remove it by hand');
  }
}
