import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveDatabase } from '../database/archive-database';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { nullToNaN, numberOrNull, optionalDayObs, pageSize, requireBatch, requireDayObs, requireText, requireUuid } from '../common/validation';
import { requireSequences, upsertJsonRows } from '../common/upsert';

export const STAT_COLUMNS = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'] as const;

interface StatRow {
  visitseq_uuid: string;
  day_obs: string;
  value_name: string;
  accumulated: boolean;
  count: number | null;
  [stat: string]: unknown;
}

/** Per-night (and accumulated-through-night) statistics of visit columns or metrics. */
@Injectable()
export class NightlyStatsService {
  constructor(private readonly database: ArchiveDatabase) {}

  async upsert(request: metadataV1.UpsertNightlyStatsRequest): Promise<metadataV1.UpsertNightlyStatsResponse> {
    const keys = new Set<string>();
    const rows = requireBatch(request.stats, 'stats').map((stat, index) => {
      const field = `stats[${index}]`;
      const row = {
        visitseq_uuid: requireUuid(stat.visitseqUuid, `${field}.visitseq_uuid`),
        day_obs: requireDayObs(stat.dayObs, `${field}.day_obs`),
        value_name: requireText(stat.valueName, `${field}.value_name`),
        accumulated: stat.accumulated === true,
        count: stat.count ?? null,
        ...Object.fromEntries(STAT_COLUMNS.filter((name) => name !== 'count').map((name) => [name, numberOrNull(stat[name])])),
      };
      const key = `${row.visitseq_uuid}/${row.day_obs}/${row.value_name}/${row.accumulated}`;
      if (keys.has(key)) throw invalidArgument(`${field} repeats the key (visitseq_uuid, day_obs, value_name, accumulated) of an earlier row`, field);
      keys.add(key);
      return row;
    });
    return this.database.transaction(async (tx) => {
      await requireSequences(tx, rows.map((row) => row.visitseq_uuid), 'stats');
      return upsertJsonRows(tx, 'nightly_stats', rows, {
        visitseq_uuid: 'uuid',
        day_obs: 'date',
        value_name: 'text',
        accumulated: 'boolean',
        count: 'integer',
        ...Object.fromEntries(STAT_COLUMNS.filter((name) => name !== 'count').map((name) => [name, 'double precision'])),
      }, ['visitseq_uuid', 'day_obs', 'value_name', 'accumulated']);
    });
  }

  async list(request: metadataV1.ListNightlyStatsRequest): Promise<metadataV1.ListNightlyStatsResponse> {
    const uuids = (request.visitseqUuids ?? []).map((uuid, index) => requireUuid(uuid, `visitseq_uuids[${index}]`));
    const first = optionalDayObs(request.dayObsRange?.firstDayObs, 'day_obs_range.first_day_obs');
    const last = optionalDayObs(request.dayObsRange?.lastDayObs, 'day_obs_range.last_day_obs');
    if (first && last && last < first) throw invalidArgument('day_obs_range.last_day_obs is earlier than first_day_obs', 'day_obs_range.last_day_obs');
    const size = pageSize(request.pageSize, 'page_size', 1000, 10_000);
    const after = decodePageToken(request.pageToken, request);
    if (after && after.length !== 4) throw invalidArgument('page_token is not a token this service issued', 'page_token');
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
    const page = rows.slice(0, size);
    const lastRow = page[page.length - 1];
    return {
      stats: page.map((row) => ({
        visitseqUuid: row.visitseq_uuid,
        dayObs: row.day_obs,
        valueName: row.value_name,
        accumulated: row.accumulated,
        count: row.count ?? 0,
        ...(Object.fromEntries(STAT_COLUMNS.filter((name) => name !== 'count').map((name) => [name, nullToNaN(row[name] as number | null)])) as any),
      })),
      nextPageToken: rows.length > size ? encodePageToken(request, [lastRow.visitseq_uuid, lastRow.day_obs, lastRow.value_name, lastRow.accumulated]) : '',
    };
  }
}
