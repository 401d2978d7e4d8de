/**
 * IngestConsdbVisits: the queried visits are recorded through the gateway's AddCompleted,
 * which stores the table and creates the `completed` row all or nothing (and makes a retry
 * with the same request_id return the first result); incrementally, a metadata-only mixed
 * sequence made by the gateway's AddMixed chains the previous ingest with the new nights.
 * A retry of a request already recorded is answered from the archive (replay.ts).
 */
import type { CallOptions, ServiceClient } from '@visitsarch/grpc-client';
import { consdbIngestV1, gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { parseDayObs, dayObsOfMjd, mjdAtDayObsStart } from '@visitsarch/day-obs';
import { failedPrecondition } from '@visitsarch/grpc-server';
import { requireText } from '@visitsarch/validation';
import { arrowChunks } from './arrow-chunks';
import { ConsdbVisits } from './consdb-visits';
import { replayIngest } from './replay';
import { sequenceUuidForRequest } from '@visitsarch/grpc-server';
import { derivedRequestId } from './request-ids';

export const GATEWAY_CLIENT = Symbol('GATEWAY_CLIENT');
export type GatewayClient = ServiceClient<gatewayV1.GatewayServiceClient>;
export type Parent = CallOptions['parent'];

export interface IngestResult {
  first: consdbIngestV1.IngestConsdbVisitsResponse;
  /** The new visits as Arrow chunks (sent with return_visits): converted now, or read back from the archive on a retry. */
  chunks: AsyncIterable<typeV1.ArrowIpcChunk> | Iterable<typeV1.ArrowIpcChunk>;
}

export async function ingestConsdbVisits(
  consdb: ConsdbVisits,
  gateway: GatewayClient,
  request: consdbIngestV1.IngestConsdbVisitsRequest,
  parent: Parent,
  signal: AbortSignal,
): Promise<IngestResult> {
  requireText(request.label, 'label');
  const telescope = consdb.requireTelescope(request.telescope);
  consdb.surveyStartMjd(request.surveyStartMjd); // refused before anything is asked or recorded
  if (request.requestId) {
    const replayed = await replayIngest(consdb, gateway, request, parent);
    if (replayed) return replayed;
  }
  const base = request.incremental ? await findBase(consdb, gateway, request, telescope, parent) : undefined;

  let firstDayObs = request.firstDayobs;
  if (base) {
    firstDayObs = nextDayObs(base.lastDayObs);
    const last = request.lastDayobs ? parseDayObs(request.lastDayobs) : undefined;
    if (last && firstDayObs > last) throw failedPrecondition(`the base sequence ${base.visitseqUuid} already covers the nights through ${base.lastDayObs}`, 'CONSDB_BASE_COVERS_RANGE');
  }
  const visits = await consdb.query({ query: request.query, telescope, firstDayObs, lastDayObs: request.lastDayobs, endpoint: request.endpoint, surveyStartMjd: request.surveyStartMjd }, signal);

  const header: gatewayV1.AddCompletedHeader = {
    label: request.label,
    telescope,
    // Without a first night, the first visit's night (or the last night if there are none).
    firstDayObs: visits.firstDayObs ?? (visits.table.numRows ? undefined : visits.lastDayObs),
    lastDayObs: visits.lastDayObs,
    creationTime: new Date(),
    query: visits.query,
    archiveUrl: request.archiveUrl,
    tags: request.tags,
    requestId: request.requestId,
    format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
  };
  const messages = async function* (): AsyncGenerator<gatewayV1.AddCompletedRequest> {
    yield { header };
    for await (const chunk of arrowChunks(visits.table)) yield { chunk };
  };
  const completed = await gateway.clientStream('addCompleted', messages(), { parent });
  const mixedVisitseqUuid = base ? await recordMixed(gateway, request, base, completed.visitseqUuid, parent) : undefined;
  return {
    first: firstMessage(completed.visitSequence as metadataV1.VisitSequence, Number(completed.rowCount), mixedVisitseqUuid),
    chunks: arrowChunks(visits.table),
  };
}

export function firstMessage(record: metadataV1.VisitSequence, rowCount: number, mixedVisitseqUuid: string | undefined): consdbIngestV1.IngestConsdbVisitsResponse {
  return {
    visitseqUuid: record.visitseqUuid,
    visitseqUrl: record.visitseqUrl,
    visitseqSha256: record.visitseqSha256,
    rowCount,
    firstDayObs: record.firstDayObs,
    lastDayObs: record.lastDayObs,
    mixedVisitseqUuid,
  };
}

/**
 * The mixed sequence: the base, then the new completed sequence from the night after the
 * base's last. When the ingest stores visits, the spliced table is stored too (materialized),
 * so that tomorrow's increment can use this sequence as its base: AddMixed reads parents from
 * their stored files.
 */
export async function recordMixed(
  gateway: GatewayClient,
  request: consdbIngestV1.IngestConsdbVisitsRequest,
  base: metadataV1.VisitSequence,
  completedUuid: string,
  parent: Parent,
): Promise<string> {
  const mixed = await gateway.unary(
    'addMixed',
    {
      label: request.label,
      telescope: base.telescope,
      earlyParentUuid: base.visitseqUuid,
      lateParentUuid: completedUuid,
      lastEarlyDayObs: base.lastDayObs,
      firstLateDayObs: nextDayObs(base.lastDayObs),
      materialize: request.archiveUrl !== '',
      archiveUrl: request.archiveUrl || undefined,
      tags: request.tags,
      requestId: request.requestId ? mixedRequestId(request.requestId) : '',
      format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
    },
    { parent },
  );
  return mixed.visitseqUuid;
}

/** The request id of the mixed sequence an ingest with `requestId` records. */
export function mixedRequestId(requestId: string): string {
  return derivedRequestId(requestId, 'mixed');
}

/**
 * The sequence to extend: the named one, or the newest sequence of the telescope that is a
 * completed one of the same query, or a mixed one whose late parent is such a completed one.
 * The sequences this very request recorded (on a retry) are never their own base.
 */
export async function findBase(
  consdb: ConsdbVisits,
  gateway: GatewayClient,
  request: consdbIngestV1.IngestConsdbVisitsRequest,
  telescope: string,
  parent: Parent,
): Promise<metadataV1.VisitSequence | undefined> {
  if (request.baseVisitseqUuid) {
    const response = await gateway.unary('getVisitSequence', { visitseqUuid: request.baseVisitseqUuid }, { parent });
    return response.visitSequence;
  }
  const own = request.requestId ? sequenceUuidForRequest(request.requestId) : undefined;
  const query = request.query.trim() || consdb.defaultQuery(telescope);
  const completedOfQuery = new Map<string, boolean>();
  const isCompletedOfQuery = async (uuid: string): Promise<boolean> => {
    if (uuid === own) return false;
    if (!completedOfQuery.has(uuid)) {
      const record = (await gateway.unary('getVisitSequence', { visitseqUuid: uuid }, { parent })).visitSequence;
      completedOfQuery.set(uuid, record?.completed?.query === query);
    }
    return completedOfQuery.get(uuid) ?? false;
  };
  let pageToken = '';
  do {
    const page = await gateway.unary(
      'listVisitSequences',
      { kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_UNSPECIFIED, telescope, tagsAll: [], tagsAny: [], labelContains: '', orderBy: 'creation_time desc', pageSize: 200, pageToken },
      { parent },
    );
    for (const sequence of page.visitSequences) {
      if (sequence.visitseqUuid === own) continue;
      if (sequence.completed && sequence.completed.query === query) return sequence;
      if (sequence.mixed?.lateParentUuid && (await isCompletedOfQuery(sequence.mixed.lateParentUuid))) return sequence;
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return undefined;
}

export function nextDayObs(dayObs: string): string {
  return dayObsOfMjd(mjdAtDayObsStart(dayObs) + 1);
}
