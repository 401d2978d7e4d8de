/**
 * The visits of a visit sequence, read through the blob archive: the one rule every service
 * follows to find them. A sequence whose record names its visits (visitseq_url) reads its own
 * stored table, checked against the SHA-256 of its `visits` file record; an unmaterialized mixed
 * sequence is the splice of its parents' stored tables (the early parent through
 * last_early_day_obs, then the late parent from first_late_day_obs); any other sequence was
 * recorded with metadata only or had its visits deleted, and its visits cannot be read
 * (FAILED_PRECONDITION, VISITS_NOT_STORED, saying which).
 *
 * The gateway (DownloadVisits, QueryConsdb's retries) and stats (ComputeNightlyStats) read visits
 * only through here. Its tests need the real metadata and blob-archive services, so they are the
 * cross-service test/sequence-visits.spec.ts.
 */
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { RecordBatch, Schema } from 'apache-arrow';
import { openArrowChunks } from '@visitsarch/arrow-ipc';
import { blobArchiveV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions, ServiceClient } from '@visitsarch/grpc-client';
import { failedPrecondition } from '@visitsarch/grpc-server';

/** The clients the rule reads through: metadata (file records) and the blob archive (tables). */
export interface VisitSources {
  readonly metadata: Pick<ServiceClient<metadataV1.MetadataServiceClient>, 'unary'>;
  readonly blobArchive: Pick<ServiceClient<blobArchiveV1.BlobArchiveServiceClient>, 'serverStream'>;
}

/** The incoming call the reads are made for (its deadline and cancellation propagate). */
export type ParentCall = CallOptions['parent'];

/** A `visits` file record whose table is stored (it has a URL). */
export type StoredVisitsFile = metadataV1.VisitSequenceFile & { fileUrl: string };

/** What to read of the visits: a day_obs range and columns (empty or absent: all). */
export interface VisitSelection {
  dayObsRange?: typeV1.DayObsRange;
  columns?: string[];
}

/** The fields of a sequence record the rule reads. */
export type SequenceOfVisits = Pick<metadataV1.VisitSequence, 'visitseqUuid' | 'visitseqUrl' | 'mixed'>;

/**
 * The `visits` file record GetVisitSequence answered with the sequence, if the caller has it: the
 * rule then reads through it, without asking metadata again. Absent (or without a URL), the rule
 * looks the record up itself (an older metadata service does not send it).
 */
export type KnownVisitsFile = metadataV1.VisitSequenceFile | undefined;

/** A sequence's visits as record batches, decoded as they arrive (never the whole table in memory). */
export interface VisitBatches extends AsyncIterable<RecordBatch> {
  readonly schema: Schema;
}

/**
 * The `visits` file record of a sequence whose visits are stored (URL and SHA-256 of the
 * stored table), or FAILED_PRECONDITION (VISITS_NOT_STORED) naming the sequence, in its `role`,
 * when it has none or its URL was cleared.
 */
export async function storedVisitsFile(sources: VisitSources, uuid: string, parent: ParentCall, role = 'visit sequence', known?: KnownVisitsFile): Promise<StoredVisitsFile> {
  if (known?.fileUrl && known.visitseqUuid.toLowerCase() === uuid.toLowerCase()) return known as StoredVisitsFile;
  let file: metadataV1.VisitSequenceFile | undefined;
  try {
    file = (await sources.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent })).file;
  } catch (error) {
    if ((error as grpc.ServiceError).code !== status.NOT_FOUND) throw error;
  }
  if (!file?.fileUrl) throw failedPrecondition(`the visits of ${role} ${uuid} are not stored in the archive`, 'VISITS_NOT_STORED');
  return file as StoredVisitsFile;
}

/**
 * The FAILED_PRECONDITION (VISITS_NOT_STORED) for a sequence that names no stored table and is not
 * a mixed one, saying why: its `visits` file record outlived the table (a purge, or DeleteFile
 * keeping the record), or there never was one (recorded with metadata only).
 */
export async function visitsNotStoredError(sources: VisitSources, uuid: string, parent: ParentCall): Promise<Error> {
  let file: metadataV1.VisitSequenceFile | undefined;
  try {
    file = (await sources.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent })).file;
  } catch (error) {
    if ((error as grpc.ServiceError).code !== status.NOT_FOUND) throw error;
  }
  if (file && !file.fileUrl) {
    return failedPrecondition(
      `the visits of ${uuid} are no longer stored: they were deleted from the archive (a purge of old visits, or DeleteFile; the audit_log table says when and by whom); its record, statistics and the SHA-256 of its visits remain`,
      'VISITS_NOT_STORED',
    );
  }
  return failedPrecondition(`the visits of ${uuid} are not stored in the archive (recorded with metadata only)`, 'VISITS_NOT_STORED');
}

/**
 * A sequence's visits as the blob archive streams them (ArrowIpcChunk messages): its own
 * stored table, or the splice of its stored parents for an unmaterialized mixed sequence.
 */
export async function sequenceVisitChunks(
  sources: VisitSources,
  sequence: SequenceOfVisits,
  selection: VisitSelection,
  parent: ParentCall,
  visitsFile?: KnownVisitsFile,
): Promise<AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>> {
  const columns = selection.columns ?? [];
  if (sequence.visitseqUrl) {
    const file = await storedVisitsFile(sources, sequence.visitseqUuid, parent, undefined, visitsFile);
    return sources.blobArchive.serverStream(
      'downloadVisitTable',
      { fileUrl: file.fileUrl, expectedFileSha256: file.fileSha256, dayObsRange: selection.dayObsRange, columns },
      { parent },
    );
  }
  const mixed = sequence.mixed;
  if (!mixed?.earlyParentUuid || !mixed.lateParentUuid) throw await visitsNotStoredError(sources, sequence.visitseqUuid, parent);
  const early = await storedVisitsFile(sources, mixed.earlyParentUuid, parent, 'early parent');
  const late = await storedVisitsFile(sources, mixed.lateParentUuid, parent, 'late parent');
  return sources.blobArchive.serverStream(
    'readMixedVisitTable',
    {
      source: {
        earlyParentUrl: early.fileUrl,
        earlyParentFileSha256: early.fileSha256,
        lateParentUrl: late.fileUrl,
        lateParentFileSha256: late.fileSha256,
        lastEarlyDayObs: mixed.lastEarlyDayObs ?? '',
        firstLateDayObs: mixed.firstLateDayObs ?? '',
        dayObsRange: selection.dayObsRange,
      },
      columns,
    },
    { parent },
  );
}

/**
 * A sequence's visits (as sequenceVisitChunks finds them) decoded into record batches as they
 * arrive; FAILED_PRECONDITION (EMPTY_VISIT_TABLE) if the stream carried no Arrow schema.
 */
export async function openSequenceVisits(sources: VisitSources, sequence: SequenceOfVisits, selection: VisitSelection, parent: ParentCall, visitsFile?: KnownVisitsFile): Promise<VisitBatches> {
  const reader = await openArrowChunks(await sequenceVisitChunks(sources, sequence, selection, parent, visitsFile));
  if (!reader.schema) throw failedPrecondition('the stored visit table is empty (no Arrow schema)', 'EMPTY_VISIT_TABLE');
  return { schema: reader.schema, [Symbol.asyncIterator]: () => reader[Symbol.asyncIterator]() };
}
