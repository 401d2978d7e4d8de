/**
 * The statistics of one distribution, as pandas `Series.describe(percentiles=[0.05, 0.25,
 * 0.5, 0.75, 0.95])` computes them: NaN skipped, sample standard deviation (ddof = 1, NaN for
 * a single value), quantiles by numpy's "linear" method.
 */

/** The statistics of one distribution (one row of the spec's `nightly_stats` table, without its key). */
export interface Description {
  count: number;
  mean: number;
  std: number;
  min: number;
  p05: number;
  q1: number;
  median: number;
  q3: number;
  p95: number;
  max: number;
}

/** The quantiles of a description, in the order pandas lists them. */
export const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;
export const QUANTILE_FIELDS = ['p05', 'q1', 'median', 'q3', 'p95'] as const;

/** The description of an empty distribution (pandas: count 0, everything else NaN). */
export function emptyDescription(): Description {
  return { count: 0, mean: NaN, std: NaN, min: NaN, p05: NaN, q1: NaN, median: NaN, q3: NaN, p95: NaN, max: NaN };
}

/**
 * The q-quantile of n sorted values reached through `at(i)` (the i-th smallest), by numpy's
 * "linear" method, reproducing numpy's arithmetic operation by operation so the result is
 * bit-identical: virtual index h = (n − 1)·q; at or past the last index the last value;
 * otherwise the values a, b around h are interpolated with numpy's `_lerp`, which computes
 * `b − (b − a)·(1 − t)` when t ≥ 0.5 and `a + (b − a)·t` otherwise.
 */
export function linearQuantile(n: number, q: number, at: (index: number) => number): number {
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  if (h >= n - 1) {
    // numpy points both neighbours at the last element; _lerp(a, a, t) is a (NaN for ±inf, as in numpy).
    const last = at(n - 1);
    const diff = last - last;
    const t = h + 1;
    return t >= 0.5 ? last - diff * (1 - t) : last + diff * t;
  }
  const previous = Math.floor(h);
  const t = h - previous;
  const a = at(previous);
  const b = at(previous + 1);
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Fills the five quantiles of a description from an order-statistics accessor. */
export function fillQuantiles(description: Description, n: number, at: (index: number) => number): void {
  for (let k = 0; k < QUANTILES.length; k++) description[QUANTILE_FIELDS[k]] = linearQuantile(n, QUANTILES[k], at);
}

/** Moments of a distribution, enough to combine two distributions exactly enough (Chan et al.). */
export interface Moments {
  count: number;
  /** The sum of the values (the mean is sum / count, as pandas computes it). */
  sum: number;
  /** The sum of squared deviations from the mean. */
  m2: number;
}

/**
 * Describes NaN-free values sorted ascending. Mean and variance are two-pass, like pandas:
 * mean = Σx / n, then std = √(Σ(x − mean)² / (n − 1)).
 */
export function describeSorted(sorted: Float64Array): { description: Description; moments: Moments } {
  const n = sorted.length;
  if (n === 0) return { description: emptyDescription(), moments: { count: 0, sum: 0, m2: 0 } };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    m2 += d * d;
  }
  const description: Description = { ...emptyDescription(), count: n, mean, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN, min: sorted[0], max: sorted[n - 1] };
  fillQuantiles(description, n, (i) => sorted[i]);
  return { description, moments: { count: n, sum, m2 } };
}

/**
 * Combines the moments of two disjoint distributions (Chan, Golub & LeVeque's pairwise
 * update): numerically stable, so accumulated variances need no second pass over old values.
 */
export function combineMoments(a: Moments, b: Moments): Moments {
  if (a.count === 0) return { ...b };
  if (b.count === 0) return { ...a };
  const count = a.count + b.count;
  const delta = b.sum / b.count - a.sum / a.count;
  return { count, sum: a.sum + b.sum, m2: a.m2 + b.m2 + ((delta * delta * a.count) / count) * b.count };
}
