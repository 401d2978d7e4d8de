import { nullToNaN, numberOrNull } from '../common/validation';

/**
 * The statistics of a value, as pandas `describe()` gives them (with p05 and p95): the columns of
 * nightly_stats and maf_healpix_stats, and the fields of NightlyStat and MafHealpixStat.
 */
export const STAT_COLUMNS = ['count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'] as const;

export type StatColumn = (typeof STAT_COLUMNS)[number];

/** The statistics a message carries: count and the summary values (doubles, NaN allowed). */
export type Statistics = Record<StatColumn, number>;

/** The statistics other than count: doubles, whose NaN is stored as NULL. */
const VALUE_COLUMNS = STAT_COLUMNS.filter((name) => name !== 'count');

/** Their PostgreSQL types, for upsertJsonRows. */
export const STAT_COLUMN_TYPES: Record<StatColumn, string> = {
  count: 'integer',
  ...(Object.fromEntries(VALUE_COLUMNS.map((name) => [name, 'double precision'])) as Record<Exclude<StatColumn, 'count'>, string>),
};

/** A message's statistics as column values: an absent count is NULL, a NaN value is NULL. */
export function statValues(stats: Partial<Statistics>): Record<StatColumn, number | null> {
  return {
    count: stats.count ?? null,
    ...(Object.fromEntries(VALUE_COLUMNS.map((name) => [name, numberOrNull(stats[name])])) as Record<Exclude<StatColumn, 'count'>, number | null>),
  };
}

/** Stored statistics as a message carries them: a NULL count reads as 0, a NULL value as NaN. */
export function statsOfRow(row: Partial<Record<StatColumn, number | null>>): Statistics {
  return {
    count: row.count ?? 0,
    ...(Object.fromEntries(VALUE_COLUMNS.map((name) => [name, nullToNaN(row[name])])) as Record<Exclude<StatColumn, 'count'>, number>),
  };
}
