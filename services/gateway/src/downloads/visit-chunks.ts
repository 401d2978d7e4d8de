import { gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { Downstream } from '../support/downstream';
import { storedVisits } from '../support/visits-file';

/**
 * A sequence's visits as Arrow chunks (DownloadVisits, and QueryConsdb's retries): its own stored
 * table, or the splice of its stored parents for an unmaterialized mixed sequence.
 */
export async function visitChunks(
  downstream: Downstream,
  sequence: metadataV1.VisitSequence,
  request: Pick<gatewayV1.DownloadVisitsRequest, 'dayObsRange' | 'columns'>,
  call: CallOptions['parent'],
): Promise<AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>> {
  if (sequence.visitseqUrl) {
    const file = await storedVisits(downstream, sequence.visitseqUuid, call);
    return downstream.blobArchive.serverStream(
      'downloadVisitTable',
      { fileUrl: file.fileUrl, expectedFileSha256: file.fileSha256, dayObsRange: request.dayObsRange, columns: request.columns },
      { parent: call },
    );
  }
  const mixed = sequence.mixed;
  if (!mixed?.earlyParentUuid || !mixed.lateParentUuid) {
    throw failedPrecondition(`the visits of ${sequence.visitseqUuid} are not stored in the archive (recorded with metadata only)`, 'VISITS_NOT_STORED');
  }
  const early = await storedVisits(downstream, mixed.earlyParentUuid, call, 'early parent');
  const late = await storedVisits(downstream, mixed.lateParentUuid, call, 'late parent');
  return downstream.blobArchive.serverStream(
    'readMixedVisitTable',
    {
      source: {
        earlyParentUrl: early.fileUrl,
        earlyParentFileSha256: early.fileSha256,
        lateParentUrl: late.fileUrl,
        lateParentFileSha256: late.fileSha256,
        lastEarlyDayObs: mixed.lastEarlyDayObs ?? '',
        firstLateDayObs: mixed.firstLateDayObs ?? '',
        dayObsRange: request.dayObsRange,
      },
      columns: request.columns,
    },
    { parent: call },
  );
}
