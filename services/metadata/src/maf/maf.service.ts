import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { failedPrecondition, invalidArgument } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { decodePageToken, keysetPage } from '../common/page-token';
import { requireSequences, upsertBatch, UpsertTable } from '../common/upsert';
import { nullToNaN, numberOrNull, pageSize, requireBatch, requireDayObs, requireText, requireUuid } from '../common/validation';
import { STAT_COLUMN_TYPES, statValues } from '../statistics/stat-columns';

const MAF_METRICS: UpsertTable = {
  name: 'maf_metrics',
  columns: { maf_metric_name: 'text', rubin_sim_version: 'text', constraint: 'text', metric_class_name: 'text', metric_args: 'jsonb', slicer_class_name: 'text', slicer_args: 'jsonb' },
  key: ['maf_metric_name'],
};

const MAF_METRIC_SETS: UpsertTable = {
  name: 'maf_metric_sets',
  columns: { metric_set: 'text', maf_metric_name: 'text', short_name: 'text', style: 'text', invert: 'boolean', mag: 'boolean' },
  key: ['metric_set', 'maf_metric_name'],
};

/** The key of a MAF result of a sequence: which metric, for which night (or through it, accumulated). */
const RESULT_KEY_COLUMNS = { visitseq_uuid: 'uuid', maf_metric_name: 'text', day_obs: 'date', accumulated: 'boolean' };
const RESULT_KEY = Object.keys(RESULT_KEY_COLUMNS);

const MAF_SUMMARY_METRICS: UpsertTable = {
  name: 'maf_summary_metrics',
  columns: { ...RESULT_KEY_COLUMNS, summary_value: 'double precision' },
  key: RESULT_KEY,
};

const MAF_HEALPIX_STATS: UpsertTable = {
  name: 'maf_healpix_stats',
  columns: { ...RESULT_KEY_COLUMNS, nside: 'integer', ...STAT_COLUMN_TYPES, url: 'text' },
  key: [...RESULT_KEY, 'nside'],
};

/** The key columns of a MAF result message (the `field` of a request's list), validated. */
function resultKey(result: { visitseqUuid: string; mafMetricName: string; dayObs: string; accumulated: boolean }, field: string) {
  return {
    visitseq_uuid: requireUuid(result.visitseqUuid, `${field}.visitseq_uuid`),
    maf_metric_name: requireText(result.mafMetricName, `${field}.maf_metric_name`),
    day_obs: requireDayObs(result.dayObs, `${field}.day_obs`),
    accumulated: result.accumulated === true,
  };
}

/** FAILED_PRECONDITION (nothing written) unless every name is a recorded MafMetric. */
async function requireMetrics(tx: Tx, names: string[], field: string): Promise<void> {
  const unique = [...new Set(names)];
  const found = await tx.rows<{ maf_metric_name: string }>('SELECT maf_metric_name FROM maf_metrics WHERE maf_metric_name = ANY($1::text[]) FOR KEY SHARE', [unique]);
  const missing = unique.filter((name) => !found.some((row) => row.maf_metric_name === name));
  if (missing.length > 0) throw failedPrecondition(`${field}: no MAF metric is named ${missing.map((name) => JSON.stringify(name)).join(', ')}; record it with UpsertMafMetrics first. Nothing was written`, 'MAF_METRIC_NOT_FOUND');
}

/** What MAF results refer to: their sequences (NOT_FOUND) and their metrics (FAILED_PRECONDITION). */
function resultReferences(rows: { visitseq_uuid: string; maf_metric_name: string }[], field: string): (tx: Tx) => Promise<void> {
  return async (tx) => {
    await requireSequences(tx, rows.map((row) => row.visitseq_uuid), field);
    await requireMetrics(tx, rows.map((row) => row.maf_metric_name), field);
  };
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
    return upsertBatch(this.database, MAF_METRICS, rows, 'metrics');
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
    return upsertBatch(this.database, MAF_METRIC_SETS, rows, 'members', (tx) => requireMetrics(tx, rows.map((row) => row.maf_metric_name), 'members'));
  }

  async upsertSummaryMetrics(request: metadataV1.UpsertMafSummaryMetricsRequest): Promise<metadataV1.UpsertMafSummaryMetricsResponse> {
    const rows = requireBatch(request.metrics, 'metrics').map((metric, index) => ({
      ...resultKey(metric, `metrics[${index}]`),
      summary_value: numberOrNull(metric.summaryValue),
    }));
    return upsertBatch(this.database, MAF_SUMMARY_METRICS, rows, 'metrics', resultReferences(rows, 'metrics'));
  }

  async upsertHealpixStats(request: metadataV1.UpsertMafHealpixStatsRequest): Promise<metadataV1.UpsertMafHealpixStatsResponse> {
    const rows = requireBatch(request.stats, 'stats').map((stat, index) => {
      const field = `stats[${index}]`;
      const nside = stat.nside ?? 0;
      if (!(nside > 0 && (nside & (nside - 1)) === 0)) throw invalidArgument(`${field}.nside must be a positive power of two, got ${nside}`, `${field}.nside`);
      return { ...resultKey(stat, field), nside, ...statValues(stat), url: stat.url ?? null };
    });
    return upsertBatch(this.database, MAF_HEALPIX_STATS, rows, 'stats', resultReferences(rows, 'stats'));
  }

  async listSummary(request: metadataV1.ListMafSummaryRequest): Promise<metadataV1.ListMafSummaryResponse> {
    const metricSet = requireText(request.metricSet, 'metric_set');
    const size = pageSize(request.pageSize, 'page_size', 1000, 10_000);
    const after = decodePageToken(request.pageToken, request, 5);
    const rows = await this.database.rows<Record<string, any>>(
      `SELECT * FROM maf_summary WHERE metric_set = $1 AND ($2::text = '' OR tag = $2::text)
         AND ($3::text IS NULL OR (maf_metric_name, visitseq_uuid, day_obs, accumulated, tag) > ($3::text, $4::uuid, $5::date, $6::boolean, $7::text))
       ORDER BY maf_metric_name, visitseq_uuid, day_obs, accumulated, tag LIMIT ${size + 1}`,
      [metricSet, request.tag ?? '', ...(after ?? [null, null, null, null, null])],
    );
    const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.maf_metric_name, last.visitseq_uuid, last.day_obs, last.accumulated, last.tag]);
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
      nextPageToken,
    };
  }
}
