/**
 * @visitsarch/nightly-stats: the statistics of the spec's `nightly_stats` table (count, mean,
 * std, min, 5/25/50/75/95 % quantiles, max), per night and accumulated through each night,
 * identical to pandas `describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95])`, computed by
 * streaming over Arrow record batches. See docs/stats.md.
 */
export { NightlyStatRow, NightlyStatsOptions, NightlyStatsResult, NightlyStatsComputation, computeNightlyStats } from './nightly-stats';
export { Description, QUANTILES, linearQuantile, describeSorted } from './describe';
export { SPEC_COLUMNS, DEFAULT_COLUMNS, CONSDB_TO_OPSIM, ResolvedColumn, NonNumericColumnError, resolveColumns, isNumericType } from './columns';
// Which column gives a visit's night is @visitsarch/day-obs's rule (visit-nights.ts); re-exported for callers of this library.
export { NIGHT_COLUMNS, NoNightColumnError } from '@visitsarch/day-obs';
export { OrderStatistics, rankDistinct } from './order-statistics';
