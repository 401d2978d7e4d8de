import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { failedPrecondition, invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { requireSequences, upsertJsonRows } from '../common/upsert';
import { nullToNaN, numberOrNull, pageSize, requireBatch, requireDayObs, requireText, requireUuid } from '../common/validation';
import { STAT_COLUMNS } from '../statistics/nightly-stats.service';

function uniqueKeys<T>(rows: T[], field: string, key: (row: T) => string, keyName: string): void {
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const value = key(row);
    if (seen.has(value)) throw invalidArgument(`${field}[${index}] repeats the key (${keyName}) of an earlier row`, `${field}[${index}]`);
    seen.add(value);
  });
}

/** FAILED_PRECONDITION (nothing written) unless every name is a recorded MafMetric. */
async function requireMetrics(tx: Tx, names: string[], field: string): Promise<void> {
  const unique = [...new Set(names)];
  const found = await tx.rows<{ maf_metric_name: string }>('SELECT maf_metric_name FROM maf_metrics WHERE maf_metric_name = ANY($1::text[]) FOR KEY SHARE', [unique]);
  const missing = unique.filter((name) => !found.some((row) => row.maf_metric_name === name));
  if (missing.length > 0) throw failedPrecondition(`${field}: no MAF metric is named ${missing.map((name) => JSON.stringify(name)).join(', ')}; record it with UpsertMafMetrics first. Nothing was written`, 'MAF_METRIC_NOT_FOUND');
}

/** MAF metric definitions, metric sets, summary values and healpix statistics. */
@Injectable()
export class MafService {
  constructor(private readonly database: ArchiveDatabase) {}

  async upsertMetrics(request: metadataV1.UpsertMafMetricsRequest): Promise<metadataV1.UpsertMafMetricsResponse> {
    const rows = requireBatch(request.metrics, 'metrics').map((metric, index) => ({
      maf_metric_name: requireText(metric.mafMetricName, `metrics[${index}].maf_metric_name`),
      rubin_sim_version: metric.rubinSimVersion ?? null,
      constraint: metric.constraint ?? null,
      metric_class_name: metric.metricClassName ?? null,
      metric_args: metric.metricArgs ?? null,
      slicer_class_name: metric.slicerClassName ?? null,
      slicer_args: metric.slicerArgs ?? null,
    }));
    uniqueKeys(rows, 'metrics', (row) => row.maf_metric_name, 'maf_metric_name');
    return this.database.transaction((tx) =>
      upsertJsonRows(tx, 'maf_metrics', rows, {
        maf_metric_name: 'text',
        rubin_sim_version: 'text',
        constraint: 'text',
        metric_class_name: 'text',
        metric_args: 'jsonb',
        slicer_class_name: 'text',
        slicer_args: 'jsonb',
      }, ['maf_metric_name']),
    );
  }

  async upsertMetricSets(request: metadataV1.UpsertMafMetricSetsRequest): Promise<metadataV1.UpsertMafMetricSetsResponse> {
    const rows = requireBatch(request.members, 'members').map((member, index) => ({
      metric_set: requireText(member.metricSet, `members[${index}].metric_set`),
      maf_metric_name: requireText(member.mafMetricName, `members[${index}].maf_metric_name`),
      short_name: member.shortName ?? null,
      style: member.style ?? null,
      invert: member.invert === true,
      mag: member.mag === true,
    }));
    uniqueKeys(rows, 'members', (row) => JSON.stringify([row.metric_set, row.maf_metric_name]), 'metric_set, maf_metric_name');
    return this.database.transaction(async (tx) => {
      await requireMetrics(tx, rows.map((row) => row.maf_metric_name), 'members');
      return upsertJsonRows(tx, 'maf_metric_sets', rows, {
        metric_set: 'text',
        maf_metric_name: 'text',
        short_name: 'text',
        style: 'text',
        invert: 'boolean',
        mag: 'boolean',
      }, ['metric_set', 'maf_metric_name']);
    });
  }

  async upsertSummaryMetrics(request: metadataV1.UpsertMafSummaryMetricsRequest): Promise<metadataV1.UpsertMafSummaryMetricsResponse> {
    const rows = requireBatch(request.metrics, 'metrics').map((metric, index) => ({
      visitseq_uuid: requireUuid(metric.visitseqUuid, `metrics[${index}].visitseq_uuid`),
      maf_metric_name: requireText(metric.mafMetricName, `metrics[${index}].maf_metric_name`),
      day_obs: requireDayObs(metric.dayObs, `metrics[${index}].day_obs`),
      accumulated: metric.accumulated === true,
      summary_value: numberOrNull(metric.summaryValue),
    }));
    uniqueKeys(rows, 'metrics', (row) => JSON.stringify([row.visitseq_uuid, row.maf_metric_name, row.day_obs, row.accumulated]), 'visitseq_uuid, maf_metric_name, day_obs, accumulated');
    return this.database.transaction(async (tx) => {
      await requireSequences(tx, rows.map((row) => row.visitseq_uuid), 'metrics');
      await requireMetrics(tx, rows.map((row) => row.maf_metric_name), 'metrics');
      return upsertJsonRows(tx, 'maf_summary_metrics', rows, {
        visitseq_uuid: 'uuid',
        maf_metric_name: 'text',
        day_obs: 'date',
        accumulated: 'boolean',
        summary_value: 'double precision',
      }, ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated']);
    });
  }

  async upsertHealpixStats(request: metadataV1.UpsertMafHealpixStatsRequest): Promise<metadataV1.UpsertMafHealpixStatsResponse> {
    const rows = requireBatch(request.stats, 'stats').map((stat, index) => {
      const field = `stats[${index}]`;
      const nside = stat.nside ?? 0;
      if (!(nside > 0 && (nside & (nside - 1)) === 0)) throw invalidArgument(`${field}.nside must be a positive power of two, got ${nside}`, `${field}.nside`);
      return {
        visitseq_uuid: requireUuid(stat.visitseqUuid, `${field}.visitseq_uuid`),
        maf_metric_name: requireText(stat.mafMetricName, `${field}.maf_metric_name`),
        day_obs: requireDayObs(stat.dayObs, `${field}.day_obs`),
        accumulated: stat.accumulated === true,
        nside,
        count: stat.count ?? null,
        ...Object.fromEntries(STAT_COLUMNS.filter((name) => name !== 'count').map((name) => [name, numberOrNull(stat[name])])),
        url: stat.url ?? null,
      };
    });
    uniqueKeys(rows, 'stats', (row) => JSON.stringify([row.visitseq_uuid, row.maf_metric_name, row.day_obs, row.accumulated, row.nside]), 'visitseq_uuid, maf_metric_name, day_obs, accumulated, nside');
    return this.database.transaction(async (tx) => {
      await requireSequences(tx, rows.map((row) => row.visitseq_uuid), 'stats');
      await requireMetrics(tx, rows.map((row) => row.maf_metric_name), 'stats');
      return upsertJsonRows(tx, 'maf_healpix_stats', rows, {
        visitseq_uuid: 'uuid',
        maf_metric_name: 'text',
        day_obs: 'date',
        accumulated: 'boolean',
        nside: 'integer',
        count: 'integer',
        ...Object.fromEntries(STAT_COLUMNS.filter((name) => name !== 'count').map((name) => [name, 'double precision'])),
        url: 'text',
      }, ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'nside']);
    });
  }

  async listSummary(request: metadataV1.ListMafSummaryRequest): Promise<metadataV1.ListMafSummaryResponse> {
    const metricSet = requireText(request.metricSet, 'metric_set');
    const size = pageSize(request.pageSize, 'page_size', 1000, 10_000);
    const after = decodePageToken(request.pageToken, request);
    if (after && after.length !== 5) throw invalidArgument('page_token is not a token this service issued', 'page_token');
    const rows = await this.database.rows<Record<string, any>>(
      `SELECT * FROM maf_summary WHERE metric_set = $1 AND ($2::text = '' OR tag = $2::text)
         AND ($3::text IS NULL OR (maf_metric_name, visitseq_uuid, day_obs, accumulated, tag) > ($3::text, $4::uuid, $5::date, $6::boolean, $7::text))
       ORDER BY maf_metric_name, visitseq_uuid, day_obs, accumulated, tag LIMIT ${size + 1}`,
      [metricSet, request.tag ?? '', ...(after ?? [null, null, null, null, null])],
    );
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      entries: page.map((row) => ({
        metricSet: row.metric_set,
        mafMetricName: row.maf_metric_name,
        visitseqUuid: row.visitseq_uuid,
        visitseqLabel: row.visitseq_label,
        dayObs: row.day_obs,
        accumulated: row.accumulated,
        summaryValue: nullToNaN(row.summary_value),
        shortName: row.short_name ?? undefined,
        style: row.style ?? undefined,
        invert: row.invert,
        mag: row.mag,
        tag: row.tag,
      })),
      nextPageToken: rows.length > size ? encodePageToken(request, [last.maf_metric_name, last.visitseq_uuid, last.day_obs, last.accumulated, last.tag]) : '',
    };
  }
}
