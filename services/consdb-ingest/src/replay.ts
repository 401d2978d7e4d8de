/**
 * A retried IngestConsdbVisits (same request_id) whose completed sequence is already recorded:
 * answered from the archive, not from ConsDB, so the caller gets exactly the visits that were
 * stored even if ConsDB changed since (and ConsDB is not asked again). The visits come from the
 * gateway's DownloadVisits; without return_visits only their count is read (one column).
 * A sequence recorded without its visits (metadata only) cannot return them: FAILED_PRECONDITION
 * with return_visits, as the contract says; without, the normal path runs and the gateway's
 * AddCompleted replays the recorded sequence.
 */
import { status } from '@grpc/grpc-js';
import { consdbIngestV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { ConsdbVisits } from './consdb-visits';
import { findBase, firstMessage, GatewayClient, IngestResult, mixedRequestId, Parent, recordMixed } from './ingest';
import { sequenceUuidForRequest } from '@visitsarch/grpc-server';

export async function replayIngest(
  consdb: ConsdbVisits,
  gateway: GatewayClient,
  request: consdbIngestV1.IngestConsdbVisitsRequest,
  parent: Parent,
): Promise<IngestResult | undefined> {
  const recorded = await existingSequence(gateway, sequenceUuidForRequest(request.requestId), parent);
  if (!recorded) return undefined;
  if (!recorded.visitseqUrl) {
    if (!request.returnVisits) return undefined;
    throw failedPrecondition(
      `request ${request.requestId} already recorded ${recorded.visitseqUuid} without storing its visits, so they cannot be returned again`,
      'CONSDB_VISITS_NOT_STORED',
    );
  }
  const { chunks, rowCount } = await downloadVisits(gateway, recorded.visitseqUuid, request.returnVisits, parent);
  const mixedVisitseqUuid = request.incremental ? await replayMixed(consdb, gateway, request, recorded, parent) : undefined;
  return { first: firstMessage(recorded, rowCount, mixedVisitseqUuid), chunks };
}

/**
 * The mixed sequence of an incremental retry: the one recorded then, or — if the first attempt
 * died between the two records — made now on the same base search (which skips this request's
 * own completed sequence).
 */
async function replayMixed(
  consdb: ConsdbVisits,
  gateway: GatewayClient,
  request: consdbIngestV1.IngestConsdbVisitsRequest,
  completed: metadataV1.VisitSequence,
  parent: Parent,
): Promise<string | undefined> {
  const mixed = await existingSequence(gateway, sequenceUuidForRequest(mixedRequestId(request.requestId)), parent);
  if (mixed) return mixed.visitseqUuid;
  const base = await findBase(consdb, gateway, request, completed.telescope, parent);
  return base ? recordMixed(gateway, request, base, completed.visitseqUuid, parent) : undefined;
}

async function existingSequence(gateway: GatewayClient, visitseqUuid: string, parent: Parent): Promise<metadataV1.VisitSequence | undefined> {
  try {
    return (await gateway.unary('getVisitSequence', { visitseqUuid }, { parent })).visitSequence;
  } catch (error) {
    if ((error as { code?: number }).code === status.NOT_FOUND) return undefined;
    throw error;
  }
}

/** The stored visits as Arrow chunks (all columns, or only observationId to count them) and their number. */
async function downloadVisits(gateway: GatewayClient, visitseqUuid: string, allColumns: boolean, parent: Parent): Promise<{ chunks: typeV1.ArrowIpcChunk[]; rowCount: number }> {
  const chunks: typeV1.ArrowIpcChunk[] = [];
  let rowCount = 0;
  const stream = gateway.serverStream('downloadVisits', { visitseqUuid, columns: allColumns ? [] : ['observationId'] }, { parent });
  for await (const message of stream) {
    if (!message.chunk) continue;
    chunks.push(message.chunk);
    rowCount += Number(message.chunk.rowCount);
  }
  return { chunks: allColumns ? chunks : [], rowCount };
}
