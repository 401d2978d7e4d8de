/**
 * QueryConsdb: the gateway ingests ConsDB's visits. consdb-ingest only queries ConsDB and
 * converts the rows (its QueryConsdb, a stream of Arrow chunks); the gateway records them with
 * the code of its own AddCompleted (the table stored and the `completed` row created all or
 * nothing, with the query text, label, telescope, day_obs range and creation time) and, for an
 * incremental ingest, AddMixed. So no service calls the gateway back (docs/architecture.md,
 * "Call graph"). A retry of a request already recorded is answered from the archive (replay.ts).
 */
import { consdbIngestV1, gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { defaultConsdbQuery, isValidSurveyStartMjd } from '@visitsarch/consdb';
import { dayObsOfMjd, mjdAtDayObsStart, parseDayObs } from '@visitsarch/day-obs';
import type { CallOptions } from '@visitsarch/grpc-client';
import { status } from '@grpc/grpc-js';
import { failedPrecondition, GrpcError, invalidArgument, requestFingerprint } from '@visitsarch/grpc-server';
import type { Logger } from '@visitsarch/logging';
import { addCompleted } from '../sequences/add-completed';
import { addMixed } from '../sequences/add-mixed';
import { requireTelescope, requireText } from '../sequences/validation';
import type { Telescope } from '@visitsarch/validation';
import { Downstream } from '../support/downstream';
import { derivedRequestId, sequenceUuidFor } from '../support/request-id';
import { GatewayConfig } from '../support/tokens';
import { replayIngest } from './replay';

export type Parent = CallOptions['parent'];

/** A QueryConsdb request with its archive resolved: '' records metadata only. */
export type IngestRequest = gatewayV1.QueryConsdbRequest & { archiveUrl: string };

/** What the gateway needs to ingest: its clients, settings and logger. */
export interface IngestContext {
  downstream: Downstream;
  config: GatewayConfig;
  logger: Logger;
}

/** The response stream: the first message names what was recorded, the following ones carry the new visits. */
export async function* ingestConsdbVisits(context: IngestContext, request: IngestRequest, call: Parent): AsyncGenerator<gatewayV1.QueryConsdbResponse> {
  requireText(request.label, 'label');
  const telescope = requireTelescope(request.telescope);
  // Refused before anything is asked or recorded, a retry included (consdb-ingest checks it again).
  if (request.surveyStartMjd !== undefined && !isValidSurveyStartMjd(request.surveyStartMjd)) {
    throw invalidArgument(`survey_start_mjd must be an MJD from 49718 to 88069, not ${request.surveyStartMjd}`, 'survey_start_mjd');
  }
  if (request.requestId) {
    const replayed = await replayIngest(context, request, call);
    if (replayed) {
      yield replayed.first;
      for (const chunk of replayed.chunks) yield chunkMessage(chunk);
      return;
    }
  }
  const base = request.incremental ? await findBase(context.downstream, request, telescope, call) : undefined;
  let firstDayobs = request.firstDayobs;
  if (base) {
    firstDayobs = nextDayObs(base.lastDayObs);
    const last = request.lastDayobs ? parseDayObs(request.lastDayobs) : undefined;
    if (last && firstDayobs > last) throw failedPrecondition(`the base sequence ${base.visitseqUuid} already covers the nights through ${base.lastDayObs}`, 'CONSDB_BASE_COVERS_RANGE');
  }

  const converted = context.downstream.consdbIngest.serverStream(
    'queryConsdb',
    { query: request.query, telescope, firstDayobs, lastDayobs: request.lastDayobs, endpoint: request.endpoint, surveyStartMjd: request.surveyStartMjd },
    { parent: call },
  );
  try {
    const messages = converted[Symbol.asyncIterator]() as AsyncIterator<consdbIngestV1.QueryConsdbResponse>;
    // ConsDB is queried and converted before the first message: its failures come here, before anything is recorded.
    const head = await messages.next();
    if (head.done) throw new GrpcError(status.INTERNAL, 'consdb-ingest returned no visits, not even an empty table');
    const result = head.value;
    // The visits are recorded as they arrive and kept to be returned once they are recorded.
    const visits: typeV1.ArrowIpcChunk[] = [];
    async function* received(): AsyncGenerator<typeV1.ArrowIpcChunk> {
      for (let next: IteratorResult<consdbIngestV1.QueryConsdbResponse> = head; !next.done; next = await messages.next()) {
        if (!next.value.chunk) continue;
        visits.push(next.value.chunk);
        yield next.value.chunk;
      }
    }
    const header: gatewayV1.AddCompletedHeader = {
      label: request.label,
      telescope,
      // Without a first night, the first visit's night (or the last night if there are none).
      firstDayObs: result.firstDayObs || (Number(result.rowCount) ? undefined : result.lastDayObs),
      lastDayObs: result.lastDayObs,
      creationTime: new Date(),
      query: result.query,
      archiveUrl: request.archiveUrl,
      tags: request.tags,
      requestId: request.requestId,
      format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
    };
    const completed = await addCompleted(context.downstream, context.config, context.logger, header, received(), call, ingestFingerprint(request));
    const mixedVisitseqUuid = base ? await recordMixed(context, request, base, completed.visitseqUuid, call) : undefined;
    yield firstMessage(completed.visitSequence, completed.rowCount, mixedVisitseqUuid);
    for (const chunk of visits) yield chunkMessage(chunk);
  } finally {
    converted.cancel(); // a no-op once the stream has ended; stops consdb-ingest if recording failed early
  }
}

export function firstMessage(record: metadataV1.VisitSequence, rowCount: number, mixedVisitseqUuid: string | undefined): gatewayV1.QueryConsdbResponse {
  return { visitseqUuid: record.visitseqUuid, visitseqUrl: record.visitseqUrl, mixedVisitseqUuid, rowCount };
}

function chunkMessage(chunk: typeV1.ArrowIpcChunk): gatewayV1.QueryConsdbResponse {
  return { visitseqUuid: '', rowCount: 0, chunk };
}

/**
 * The mixed sequence: the base, then the new completed sequence from the night after the
 * base's last. When the ingest stores visits, the spliced table is stored too (materialized),
 * so that tomorrow's increment can use this sequence as its base: AddMixed reads parents from
 * their stored files.
 */
export async function recordMixed(context: IngestContext, request: IngestRequest, base: metadataV1.VisitSequence, completedUuid: string, call: Parent): Promise<string> {
  const mixed = await addMixed(
    context.downstream,
    context.config.VISITSARCH_ARCHIVE_URL,
    context.logger,
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
    call,
  );
  return mixed.visitseqUuid;
}

/**
 * The fingerprint of an ingest's request (its archive resolved), which tells a retry from a
 * different request with the same request id: ConsDB's visits are no part of it.
 */
export function ingestFingerprint(request: IngestRequest): string {
  return requestFingerprint(request);
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
export async function findBase(downstream: Downstream, request: IngestRequest, telescope: Telescope, call: Parent): Promise<metadataV1.VisitSequence | undefined> {
  if (request.baseVisitseqUuid) {
    const response = await downstream.metadata.unary('getVisitSequence', { visitseqUuid: request.baseVisitseqUuid }, { parent: call });
    return response.visitSequence;
  }
  const own = request.requestId ? sequenceUuidFor(request.requestId) : undefined;
  const query = request.query.trim() || defaultConsdbQuery(telescope);
  const completedOfQuery = new Map<string, boolean>();
  const isCompletedOfQuery = async (uuid: string): Promise<boolean> => {
    if (uuid === own) return false;
    if (!completedOfQuery.has(uuid)) {
      const record = (await downstream.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, { parent: call })).visitSequence;
      completedOfQuery.set(uuid, record?.completed?.query === query);
    }
    return completedOfQuery.get(uuid) ?? false;
  };
  let pageToken = '';
  do {
    const page = await downstream.metadata.unary(
      'listVisitSequences',
      { kind: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_UNSPECIFIED, telescope, tagsAll: [], tagsAny: [], labelContains: '', orderBy: 'creation_time desc', pageSize: 200, pageToken },
      { parent: call },
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
