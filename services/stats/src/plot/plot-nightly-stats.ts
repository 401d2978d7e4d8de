import { metadataV1, statsV1, typeV1 } from '@visitsarch/contracts';
import type { CallOptions } from '@visitsarch/grpc-client';
import { failedPrecondition, invalidArgument } from '@visitsarch/grpc-server';
import { Backends } from '../support/backends';
import { dayObsRange, getSequence, requireUuid } from '../support/validation';
import { boxPlotSvg, BoxSeries } from './box-plot-svg';
import { svgToPng } from './png';

const MAX_SEQUENCES = 20;
const PLOT_WIDTH = 1000;

/** PlotNightlyStats: box-and-whisker plots of stored statistics of one value, one series per sequence. */
export async function plotNightlyStatsRpc(backends: Backends, request: statsV1.PlotNightlyStatsRequest, parent: CallOptions['parent']): Promise<statsV1.PlotNightlyStatsResponse> {
  if (request.visitseqUuids.length === 0) throw invalidArgument('visitseq_uuids must name at least one sequence', 'visitseq_uuids');
  if (request.visitseqUuids.length > MAX_SEQUENCES) throw invalidArgument(`at most ${MAX_SEQUENCES} sequences per plot, got ${request.visitseqUuids.length}`, 'visitseq_uuids');
  const valueName = request.valueName.trim();
  if (!valueName) throw invalidArgument('value_name is required', 'value_name');
  const uuids = request.visitseqUuids.map((uuid, i) => requireUuid(uuid, `visitseq_uuids[${i}]`));
  const range = dayObsRange(request.dayObsRange, 'day_obs_range');

  const series: BoxSeries[] = [];
  for (const uuid of uuids) {
    const sequence = await getSequence(backends, uuid, parent);
    const boxes = await listStats(backends, uuid, valueName, request.accumulated, { firstDayObs: range.first ?? '', lastDayObs: range.last ?? '' }, parent);
    series.push({ label: sequence.visitseqLabel || uuid, boxes });
  }
  if (series.every((s) => s.boxes.every((b) => !Number.isFinite(b.median)))) {
    throw failedPrecondition(
      `none of the sequences has stored ${request.accumulated ? 'accumulated' : 'single-night'} statistics of ${valueName}${range.first || range.last ? ' in the range' : ''}; compute them with ComputeNightlyStats (store = true)`,
      'NO_NIGHTLY_STATS',
    );
  }
  const svg = boxPlotSvg(series, { valueName, accumulated: request.accumulated, width: PLOT_WIDTH });
  if (request.format === typeV1.ImageFormat.IMAGE_FORMAT_PNG) return { image: svgToPng(svg, PLOT_WIDTH), mediaType: 'image/png' };
  return { image: Buffer.from(svg, 'utf8'), mediaType: 'image/svg+xml' };
}

/** Every stored statistic of one value of one sequence, following the pages. */
async function listStats(backends: Backends, uuid: string, valueName: string, accumulated: boolean, dayObsRange: typeV1.DayObsRange, parent: CallOptions['parent']): Promise<metadataV1.NightlyStat[]> {
  const stats: metadataV1.NightlyStat[] = [];
  let pageToken = '';
  do {
    const page = await backends.metadata.unary('listNightlyStats', { visitseqUuids: [uuid], dayObsRange, valueNames: [valueName], accumulated, pageSize: 10_000, pageToken }, { parent });
    stats.push(...page.stats);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return stats;
}
