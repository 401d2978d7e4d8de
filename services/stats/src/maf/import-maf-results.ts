import { metadataV1, statsV1 } from '@visitsarch/contracts';
import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition, GrpcError, invalidArgument, splitHeader } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';
import { status } from '@grpc/grpc-js';
import { Backends } from '../support/backends';
import { getSequence, requireUuid } from '../support/validation';
import { NotMafResultsError, readMafResults } from './maf-results-db';

/** The metadata upserts take at most 10,000 rows per call. */
const UPSERT_ROWS = 10_000;
/** Results databases are a few MB; this bounds what one call may make the server hold. */
const MAX_DATABASE_BYTES = 512 << 20;

/**
 * ImportMafResults: the header, then the bytes of a results database; records its summary
 * statistics as MAF metrics and summary values of the sequence (upserts: re-importing
 * replaces). Two summaries with the same name keep the later one, as they would in
 * `gather_summaries`' table.
 */
export async function importMafResultsRpc(backends: Backends, messages: AsyncIterable<statsV1.ImportMafResultsRequest>, parent: CallOptions['parent']): Promise<statsV1.ImportMafResultsResponse> {
  // Public through the gateway's forwarding: the header is held to the same limits as every request.
  const { header, rest } = await splitHeader<statsV1.ImportMafResultsHeader, Uint8Array>(messages, checkRequestLimits);
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const data of rest) {
    size += data.length;
    if (size > MAX_DATABASE_BYTES) throw new GrpcError(status.RESOURCE_EXHAUSTED, `results databases of more than ${MAX_DATABASE_BYTES} bytes are not accepted`, { reason: 'DATABASE_TOO_LARGE' });
    pieces.push(Buffer.from(data));
  }
  const uuid = requireUuid(header.visitseqUuid, 'header.visitseq_uuid');
  let dayObs: string | undefined;
  try {
    dayObs = header.dayObs ? parseDayObs(header.dayObs) : undefined;
  } catch (error) {
    if (error instanceof DayObsError) throw invalidArgument(error.message, 'header.day_obs');
    throw error;
  }
  if (size === 0) throw invalidArgument('no results database bytes followed the header', 'data');

  let results;
  try {
    results = readMafResults(Buffer.concat(pieces));
  } catch (error) {
    if (error instanceof NotMafResultsError) throw invalidArgument(error.message, 'data', 'NOT_MAF_RESULTS_DATABASE');
    throw error;
  }
  const sequence = await getSequence(backends, uuid, parent);
  dayObs ??= sequence.lastDayObs || undefined;
  if (!dayObs) throw failedPrecondition(`header.day_obs is empty and sequence ${uuid} has no last_day_obs`, 'NO_DAY_OBS');

  const byName = new Map(results.summaries.map((summary) => [summary.name, summary]));
  const rubinSimVersion = header.rubinSimVersion ?? results.rubinSimVersion;
  const metrics: metadataV1.MafMetric[] = [...byName.values()].map((summary) => ({
    mafMetricName: summary.name,
    rubinSimVersion,
    constraint: summary.sqlConstraint,
    slicerClassName: summary.slicerName,
  }));
  const values: metadataV1.MafSummaryMetric[] = [...byName.values()].map((summary) => ({ visitseqUuid: uuid, mafMetricName: summary.name, dayObs: dayObs as string, accumulated: header.accumulated, summaryValue: summary.value }));
  for (let start = 0; start < metrics.length; start += UPSERT_ROWS) await backends.metadata.unary('upsertMafMetrics', { metrics: metrics.slice(start, start + UPSERT_ROWS) }, { parent });
  for (let start = 0; start < values.length; start += UPSERT_ROWS) await backends.metadata.unary('upsertMafSummaryMetrics', { metrics: values.slice(start, start + UPSERT_ROWS) }, { parent });
  return { metricCount: metrics.length, summaryMetricCount: values.length, skippedCount: results.skipped };
}
