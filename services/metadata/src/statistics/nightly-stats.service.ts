import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveDatabase } from '../database/archive-database';
import { decodePageToken, keysetPage } from '../common/page-token';
import { optionalDayObs, pageSize, requireBatch, requireDayObs, requireText, requireUuid } from '../common/validation';
import { requireSequences, upsertBatch, UpsertTable } from '../common/upsert';
import { STAT_COLUMN_TYPES, STAT_COLUMNS, StatColumn, statsOfRow, statValues } from './stat-columns';

const NIGHTLY_STATS: UpsertTable = {
  name: 'nightly_stats',
  columns: { visitseq_uuid: 'uuid', day_obs: 'date', value_name: 'text', accumulated: 'boolean', ...STAT_COLUMN_TYPES },
  key: ['visitseq_uuid', 'day_obs', 'value_name', 'accumulated'],
};

type StatRow = { visitseq_uuid: string; day_obs: string; value_name: string; accumulated: boolean } & Record<StatColumn, number | null>;

/** Per-night (and accumulated-through-night) statistics of visit columns or metrics. */
@Injectable()
export class NightlyStatsService {
  constructor(private readonly database: ArchiveDatabase) {}

  async upsert(request: metadataV1.UpsertNightlyStatsRequest): Promise<metadataV1.UpsertNightlyStatsResponse> {
    const rows = requireBatch(request.stats, 'stats').map((stat, index) => {
      const field = `stats[${index}]`;
      return {
        visitseq_uuid: requireUuid(stat.visitseqUuid, `${field}.visitseq_uuid`),
        day_obs: requireDayObs(stat.dayObs, `${field}.day_obs`),
        value_name: requireText(stat.valueName, `${field}.value_name`),
        accumulated: stat.accumulated === true,
        ...statValues(stat),
      };
    });
    return upsertBatch(this.database, NIGHTLY_STATS, rows, 'stats', (tx) => requireSequences(tx, rows.map((row) => row.visitseq_uuid), 'stats'));
  }

  async list(request: metadataV1.ListNightlyStatsRequest): Promise<metadataV1.ListNightlyStatsResponse> {
    const uuids = (request.visitseqUuids ?? []).map((uuid, index) => requireUuid(uuid, `visitseq_uuids[${index}]`));
    const first = optionalDayObs(request.dayObsRange?.firstDayObs, 'day_obs_range.first_day_obs');
    const last = optionalDayObs(request.dayObsRange?.lastDayObs, 'day_obs_range.last_day_obs');
    if (first && last && last < first) throw invalidArgument('day_obs_range.last_day_obs is earlier than first_day_obs', 'day_obs_range.last_day_obs');
    const size = pageSize(request.pageSize, 'page_size', 1000, 10_000);
    const after = decodePageToken(request.pageToken, request, 4);
    const rows = await this.database.rows<StatRow>(
      `SELECT visitseq_uuid, day_obs, value_name, accumulated, ${STAT_COLUMNS.join(', ')} FROM nightly_stats
       WHERE (cardinality($1::uuid[]) = 0 OR visitseq_uuid = ANY($1::uuid[]))
         AND ($2::date IS NULL OR day_obs >= $2::date) AND ($3::date IS NULL OR day_obs <= $3::date)
         AND (cardinality($4::text[]) = 0 OR value_name = ANY($4::text[]))
         AND ($5::boolean IS NULL OR accumulated = $5::boolean)
         AND ($6::uuid IS NULL OR (visitseq_uuid, day_obs, value_name, accumulated) > ($6::uuid, $7::date, $8::text, $9::boolean))
       ORDER BY visitseq_uuid, day_obs, value_name, accumulated LIMIT ${size + 1}`,
      [uuids, first ?? null, last ?? null, request.valueNames ?? [], request.accumulated ?? null, ...(after ?? [null, null, null, null])],
    );
    const { page, nextPageToken } = keysetPage(rows, size, request, (row) => [row.visitseq_uuid, row.day_obs, row.value_name, row.accumulated]);
    return {
      stats: page.map((row) => ({ visitseqUuid: row.visitseq_uuid, dayObs: row.day_obs, valueName: row.value_name, accumulated: row.accumulated, ...statsOfRow(row) })),
      nextPageToken,
    };
  }
}
