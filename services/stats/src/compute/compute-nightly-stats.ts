import { metadataV1, statsV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition, invalidArgument, requireScopeFor } from '@visitsarch/grpc-server';
import { computeNightlyStats, DEFAULT_COLUMNS, NightlyStatRow, NonNumericColumnError, NoNightColumnError } from '@visitsarch/nightly-stats';
import { openSequenceVisits } from '@visitsarch/sequence-visits';
import { Backends } from '../support/backends';
import { dayObsRange, lookUpSequence, requireUuid } from '../support/validation';

/** UpsertNightlyStats takes at most 10,000 rows per call. */
const UPSERT_ROWS = 10_000;

/**
 * ComputeNightlyStats: reads the sequence's visits through the blob archive, describes the
 * requested columns per night (and accumulated), and stores them through metadata's upsert
 * (so recomputing replaces, never duplicates).
 */
export async function computeNightlyStatsRpc(backends: Backends, request: statsV1.ComputeNightlyStatsRequest, parent: CallOptions['parent']): Promise<statsV1.ComputeNightlyStatsResponse> {
  // Computing changes nothing (the method's scope is read); storing what it computed is a write.
  if (request.store) requireScopeFor(parent?.metadata, 'write', 'storing statistics (store = true; store = false computes them without storing)');
  const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
  const range = dayObsRange(request.dayObsRange, 'day_obs_range');
  const columns = request.columns.length > 0 ? request.columns : [...DEFAULT_COLUMNS];
  const empty = columns.findIndex((column) => !column.trim());
  if (empty >= 0) throw invalidArgument('column names must not be empty', `columns[${empty}]`);

  const { visitSequence, visitsFile } = await lookUpSequence(backends, uuid, parent);
  // Only the visits through the range's last night are asked for (the first is applied per night).
  const visits = await openSequenceVisits(backends, visitSequence, { dayObsRange: { firstDayObs: '', lastDayObs: range.last ?? '' }, columns: [] }, parent, visitsFile);
  let result;
  try {
    result = await computeNightlyStats(visits, { columns, accumulated: request.includeAccumulated, firstDayObs: range.first, lastDayObs: range.last });
  } catch (error) {
    if (error instanceof NonNumericColumnError) throw invalidArgument(error.message, 'columns', 'COLUMN_NOT_NUMERIC');
    if (error instanceof NoNightColumnError) throw failedPrecondition(error.message, 'NO_DAY_OBS_RANGE');
    throw error;
  }

  const stats = result.rows.map((row) => toNightlyStat(uuid, row));
  if (request.store) {
    for (let start = 0; start < stats.length; start += UPSERT_ROWS) {
      await backends.metadata.unary('upsertNightlyStats', { stats: stats.slice(start, start + UPSERT_ROWS) }, { parent });
    }
  }
  return { stats: request.omitStats ? [] : stats, missingColumns: result.missingColumns, statCount: stats.length };
}

function toNightlyStat(visitseqUuid: string, row: NightlyStatRow): metadataV1.NightlyStat {
  return { visitseqUuid, ...row };
}
