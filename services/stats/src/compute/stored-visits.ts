import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { RecordBatch, Schema } from 'apache-arrow';
import { openArrowChunks } from '@visitsarch/arrow-ipc';
import { metadataV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { Backends } from '../support/backends';

type Parent = CallOptions['parent'];

/** A sequence's visits as record batches, read as they arrive from the blob archive. */
export interface VisitBatches extends AsyncIterable<RecordBatch> {
  readonly schema: Schema;
}

/**
 * Streams the visits of a sequence through the blob archive: its own stored table (hash
 * checked against its `visits` file record), or for a mixed sequence without one the splice
 * of its parents' stored tables. Only visits through `lastDayObs` are asked for.
 */
export async function openStoredVisits(backends: Backends, sequence: metadataV1.VisitSequence, lastDayObs: string | undefined, parent: Parent): Promise<VisitBatches> {
  const range: typeV1.DayObsRange = { firstDayObs: '', lastDayObs: lastDayObs ?? '' };
  const own = await visitsFile(backends, sequence.visitseqUuid, parent);
  if (own) {
    return openIpc(backends.blobArchive.serverStream('downloadVisitTable', { fileUrl: own.fileUrl, expectedFileSha256: own.fileSha256, dayObsRange: range, columns: [] }, { parent }));
  }
  const mixed = sequence.mixed;
  if (!mixed?.earlyParentUuid || !mixed.lateParentUuid) {
    throw failedPrecondition(`the visits of ${sequence.visitseqUuid} are not stored in the archive`, 'VISITS_NOT_STORED');
  }
  const early = await visitsFile(backends, mixed.earlyParentUuid, parent);
  const late = await visitsFile(backends, mixed.lateParentUuid, parent);
  if (!early || !late) {
    throw failedPrecondition(`the visits of mixed sequence ${sequence.visitseqUuid} cannot be reconstructed: its ${early ? 'late' : 'early'} parent's visits are not stored`, 'VISITS_NOT_STORED');
  }
  return openIpc(
    backends.blobArchive.serverStream(
      'readMixedVisitTable',
      {
        source: {
          earlyParentUrl: early.fileUrl,
          earlyParentFileSha256: early.fileSha256,
          lateParentUrl: late.fileUrl,
          lateParentFileSha256: late.fileSha256,
          lastEarlyDayObs: mixed.lastEarlyDayObs ?? '',
          firstLateDayObs: mixed.firstLateDayObs ?? '',
          dayObsRange: range,
        },
        columns: [],
      },
      { parent },
    ),
  );
}

/** The `visits` file record of a sequence, if its visits are stored (a cleared URL means deleted). */
async function visitsFile(backends: Backends, uuid: string, parent: Parent): Promise<(metadataV1.VisitSequenceFile & { fileUrl: string }) | undefined> {
  try {
    const { file } = await backends.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, { parent });
    return file?.fileUrl ? (file as metadataV1.VisitSequenceFile & { fileUrl: string }) : undefined;
  } catch (error) {
    if ((error as grpc.ServiceError).code === status.NOT_FOUND) return undefined;
    throw error;
  }
}

/** Decodes the Arrow IPC stream carried by ArrowIpcChunk messages, batch by batch (never the whole table). */
async function openIpc(messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>): Promise<VisitBatches> {
  const reader = await openArrowChunks(messages);
  if (!reader.schema) throw failedPrecondition('the stored visit table is empty (no Arrow schema)', 'EMPTY_VISIT_TABLE');
  return { schema: reader.schema, [Symbol.asyncIterator]: () => reader[Symbol.asyncIterator]() };
}
