/**
 * A retried QueryConsdb (same request_id, same request) whose completed sequence is already recorded:
 * answered from the archive, not from ConsDB, so the caller gets exactly the visits that were
 * stored even if ConsDB changed since (and ConsDB is not asked again); they are read as
 * DownloadVisits reads them. A sequence recorded without its visits (metadata only) cannot
 * return them: FAILED_PRECONDITION, as the contract says.
 */
import { metadataV1, typeV1 } from '@visitsarch/contracts';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { sequenceVisitChunks } from '@visitsarch/sequence-visits';
import { confirmRetry, findSequence } from '../sequences/record-sequence';
import { sequenceUuidFor } from '../support/request-id';
import { findBase, firstMessage, IngestContext, ingestFingerprint, IngestRequest, mixedRequestId, Parent, recordMixed } from './ingest';
import type { gatewayV1 } from '@visitsarch/contracts';
import type { Telescope } from '@visitsarch/validation';

export interface ReplayedIngest {
  first: gatewayV1.QueryConsdbResponse;
  chunks: typeV1.ArrowIpcChunk[];
}

export async function replayIngest(context: IngestContext, request: IngestRequest, call: Parent): Promise<ReplayedIngest | undefined> {
  const found = await findSequence(context.downstream, sequenceUuidFor(request.requestId), call);
  if (!found) return undefined;
  // The same request replays; a different one with this request id fails (ALREADY_EXISTS).
  const recorded = await confirmRetry(context.downstream, found, request.requestId, ingestFingerprint(request), call);
  if (!recorded.visitseqUrl) {
    throw failedPrecondition(
      `request ${request.requestId} already recorded ${recorded.visitseqUuid} without storing its visits, so they cannot be returned again`,
      'CONSDB_VISITS_NOT_STORED',
    );
  }
  const chunks: typeV1.ArrowIpcChunk[] = [];
  let rowCount = 0;
  for await (const message of await sequenceVisitChunks(context.downstream, recorded, { columns: [] }, call)) {
    if (!message.chunk) continue;
    chunks.push(message.chunk);
    rowCount += Number(message.chunk.rowCount);
  }
  const mixedVisitseqUuid = request.incremental ? await replayMixed(context, request, recorded, call) : undefined;
  return { first: firstMessage(recorded, rowCount, mixedVisitseqUuid), chunks };
}

/**
 * The mixed sequence of an incremental retry: the one recorded then, or — if the first attempt
 * died between the two records — made now on the same base search (which skips this request's
 * own completed sequence).
 */
async function replayMixed(context: IngestContext, request: IngestRequest, completed: metadataV1.VisitSequence, call: Parent): Promise<string | undefined> {
  const mixed = await findSequence(context.downstream, sequenceUuidFor(mixedRequestId(request.requestId)), call);
  if (mixed) return mixed.visitseqUuid;
  const base = await findBase(context.downstream, request, completed.telescope as Telescope, call);
  return base ? recordMixed(context, request, base, completed.visitseqUuid, call) : undefined;
}
