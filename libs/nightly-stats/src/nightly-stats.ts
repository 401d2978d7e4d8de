/**
 * Nightly statistics of visit columns, streamed over record batches: per night
 * (`accumulated = false`, pandas `groupby('day_obs')[columns].describe(...)`) and of every
 * visit through each night (`accumulated = true`, the same of the cumulative frames).
 *
 * Memory: only the requested numeric columns are kept, as 8-byte floats, plus 4 bytes per
 * visit for its night; the other columns of a batch (strings included) are dropped as soon
 * as the batch is read. Exact quantiles need every value, so this is the least an exact
 * answer can hold; see docs/stats.md for how accumulated quantiles avoid quadratic work.
 */
import { Data, makeVector, RecordBatch, Schema, Type } from 'apache-arrow';
import { dayObsOfNight, nightOfDayObs } from '@visitsarch/day-obs';
import { resolveColumns, ResolvedColumn } from './columns';
import { combineMoments, Description, describeSorted, emptyDescription, fillQuantiles, Moments } from './describe';
import { nightReader, NightReader } from '@visitsarch/day-obs';
import { OrderStatistics, rankDistinct } from './order-statistics';

/** One row of the spec's `nightly_stats` table, without the sequence's UUID. */
export interface NightlyStatRow extends Description {
  /** ISO `YYYY-MM-DD`. */
  dayObs: string;
  valueName: string;
  accumulated: boolean;
}

export interface NightlyStatsOptions {
  /** The value names to describe (see {@link resolveColumns} for the name mapping). */
  columns: readonly string[];
  /** Also compute the statistics of all visits through each night. */
  accumulated?: boolean;
  /** Only rows of nights from this day_obs on (accumulated rows still count earlier visits). */
  firstDayObs?: string;
  /** Ignore visits after this day_obs. */
  lastDayObs?: string;
}

export interface NightlyStatsResult {
  /** Ordered by day_obs, value_name, then accumulated (false first). */
  rows: NightlyStatRow[];
  /** Requested value names the table has no column for, in request order. */
  missingColumns: string[];
  /** The column the nights were taken from. */
  nightColumn: string;
  /** The visits read (those with a night in range). */
  visitCount: number;
}

/** A Float64Array that grows by doubling (values and nights arrive batch by batch). */
class GrowableFloat64 {
  array = new Float64Array(1024);
  length = 0;
  reserve(extra: number): void {
    if (this.length + extra <= this.array.length) return;
    const grown = new Float64Array(Math.max(this.array.length * 2, this.length + extra));
    grown.set(this.array.subarray(0, this.length));
    this.array = grown;
  }
}

/**
 * The streaming computation: feed record batches with {@link add}, then {@link finish}.
 * Columns are resolved against the schema up front, so a missing night column or a
 * non-numeric column fails before any batch is read.
 */
export class NightlyStatsComputation {
  private readonly columns: ResolvedColumn[];
  readonly missingColumns: string[];
  private readonly readNights: NightReader;
  readonly nightColumn: string;
  private readonly firstDay: number;
  private readonly lastDay: number;
  private readonly nights = new GrowableFloat64();
  private readonly values: GrowableFloat64[];
  private scratch = new Float64Array(0);

  constructor(
    schema: Schema,
    private readonly options: NightlyStatsOptions,
  ) {
    const { columns, missing } = resolveColumns(schema, options.columns);
    this.columns = columns;
    this.missingColumns = missing;
    const reader = nightReader(schema);
    this.readNights = reader.read;
    this.nightColumn = reader.column;
    this.firstDay = options.firstDayObs ? nightOfDayObs(options.firstDayObs) : -Infinity;
    this.lastDay = options.lastDayObs ? nightOfDayObs(options.lastDayObs) : Infinity;
    this.values = columns.map(() => new GrowableFloat64());
  }

  /** Reads one batch: its nights and the requested columns; visits without a night or after lastDayObs are dropped. */
  add(batch: RecordBatch): void {
    const n = batch.numRows;
    if (n === 0) return;
    if (this.scratch.length < n) this.scratch = new Float64Array(n);
    const nights = this.scratch.subarray(0, n);
    this.readNights(batch, nights);
    const keep: number[] = [];
    let kept = 0;
    for (let i = 0; i < n; i++) if (nights[i] === nights[i] && nights[i] <= this.lastDay) kept++;
    const all = kept === n;
    if (!all) for (let i = 0; i < n; i++) if (nights[i] === nights[i] && nights[i] <= this.lastDay) keep.push(i);

    this.nights.reserve(kept);
    const nightTarget = this.nights.array;
    const start = this.nights.length;
    for (let j = 0; j < kept; j++) nightTarget[start + j] = nights[all ? j : keep[j]];
    this.nights.length += kept;

    this.columns.forEach((column, c) => {
      const target = this.values[c];
      target.reserve(kept);
      appendNumbers(batch.data.children[column.index], all ? null : keep, target.array, target.length);
      target.length += kept;
    });
  }

  /** Computes the statistics of everything added. */
  finish(): NightlyStatsResult {
    const visitCount = this.nights.length;
    const nightOf = this.nights.array.subarray(0, visitCount);
    const { days, order, starts } = groupByNight(nightOf);
    const rowsByNight: NightlyStatRow[][] = days.map(() => []);
    const emitted = days.map((day) => day >= this.firstDay);

    // Sorted by value name so the rows of a night come out in the documented order.
    const byName = this.columns.map((column, c) => ({ column, c })).sort((a, b) => (a.column.valueName < b.column.valueName ? -1 : a.column.valueName > b.column.valueName ? 1 : 0));
    for (const { column, c } of byName) {
      const values = this.values[c].array;
      // The non-NaN values of each night, contiguous and sorted: the per-night order statistics.
      const grouped = new Float64Array(visitCount);
      const groupStarts = new Int32Array(days.length + 1);
      let filled = 0;
      for (let k = 0; k < days.length; k++) {
        groupStarts[k] = filled;
        for (let r = starts[k]; r < starts[k + 1]; r++) {
          const value = values[order[r]];
          if (value === value) grouped[filled++] = value;
        }
        grouped.subarray(groupStarts[k], filled).sort();
      }
      groupStarts[days.length] = filled;

      const nightMoments: Moments[] = [];
      for (let k = 0; k < days.length; k++) {
        const { description, moments } = describeSorted(grouped.subarray(groupStarts[k], groupStarts[k + 1]));
        nightMoments.push(moments);
        if (emitted[k]) rowsByNight[k].push({ dayObs: dayObsOfNight(days[k]), valueName: column.valueName, accumulated: false, ...description });
      }
      if (this.options.accumulated) {
        accumulate(grouped.subarray(0, filled), groupStarts, nightMoments, (k, description) => {
          if (emitted[k]) rowsByNight[k].push({ dayObs: dayObsOfNight(days[k]), valueName: column.valueName, accumulated: true, ...description });
        });
      }
    }
    // Within a night: by value name, single-night before accumulated.
    const rows = rowsByNight.flatMap((night) => night.sort((a, b) => (a.valueName === b.valueName ? Number(a.accumulated) - Number(b.accumulated) : a.valueName < b.valueName ? -1 : 1)));
    return { rows, missingColumns: this.missingColumns, nightColumn: this.nightColumn, visitCount };
  }
}

/** Computes nightly statistics of a stream of record batches with a known schema. */
export async function computeNightlyStats(stream: AsyncIterable<RecordBatch> & { schema: Schema }, options: NightlyStatsOptions): Promise<NightlyStatsResult> {
  const computation = new NightlyStatsComputation(stream.schema, options);
  for await (const batch of stream) computation.add(batch);
  return computation.finish();
}

/**
 * Statistics through each night. Every value is ranked among the column's distinct values
 * once (a radix sort), then inserted once, night by night, into an order-statistics tree;
 * after each night the five quantiles need two k-th-smallest queries each. Means come from running sums and the
 * variance from combining each night's moments (Chan et al.), so nothing is re-scanned.
 */
function accumulate(grouped: Float64Array, groupStarts: Int32Array, nightMoments: Moments[], emit: (night: number, description: Description) => void): void {
  const { distinct, rankOf } = rankDistinct(grouped);
  const tree = new OrderStatistics(distinct);
  let moments: Moments = { count: 0, sum: 0, m2: 0 };
  let compensation = 0; // Neumaier-compensated running sum: the mean stays within an ulp or two of pandas' pairwise sum
  let sum = 0;
  for (let k = 0; k < nightMoments.length; k++) {
    const start = groupStarts[k];
    const end = groupStarts[k + 1];
    // The night's values are sorted, so equal values are adjacent and go in together.
    for (let i = start; i < end; ) {
      let j = i + 1;
      while (j < end && rankOf[j] === rankOf[i]) j++;
      tree.addAt(rankOf[i], j - i);
      i = j;
    }
    for (let i = start; i < end; i++) {
      const value = grouped[i];
      const t = sum + value;
      compensation += Math.abs(sum) >= Math.abs(value) ? sum - t + value : value - t + sum;
      sum = t;
    }
    moments = combineMoments(moments, nightMoments[k]);
    const n = tree.size;
    if (n === 0) {
      emit(k, emptyDescription());
      continue;
    }
    const description: Description = {
      ...emptyDescription(),
      count: n,
      mean: (sum + compensation) / n,
      std: n > 1 ? Math.sqrt(moments.m2 / (n - 1)) : NaN,
      min: tree.select(0),
      max: tree.select(n - 1),
    };
    fillQuantiles(description, n, (index) => tree.select(index));
    emit(k, description);
  }
}

/**
 * The distinct nights in ascending order, and the visits ordered by night (a stable counting
 * sort): the visits of night k are order[starts[k] .. starts[k + 1]).
 */
function groupByNight(nightOf: Float64Array): { days: number[]; order: Int32Array; starts: Int32Array } {
  const counts = new Map<number, number>();
  for (let i = 0; i < nightOf.length; i++) counts.set(nightOf[i], (counts.get(nightOf[i]) ?? 0) + 1);
  const days = [...counts.keys()].sort((a, b) => a - b);
  const slot = new Map<number, number>();
  const starts = new Int32Array(days.length + 1);
  days.forEach((day, k) => {
    starts[k + 1] = starts[k] + (counts.get(day) as number);
    slot.set(day, k);
  });
  const next = starts.slice(0, days.length);
  const order = new Int32Array(nightOf.length);
  let previousDay = NaN;
  let previousSlot = -1;
  for (let i = 0; i < nightOf.length; i++) {
    if (nightOf[i] !== previousDay) {
      previousDay = nightOf[i];
      previousSlot = slot.get(previousDay) as number;
    }
    order[next[previousSlot]++] = i;
  }
  return { days, order, starts };
}

/** Appends a numeric column's values (null → NaN), all rows or those listed in `rows`, to `target` from `offset`. */
function appendNumbers(data: Data, rows: number[] | null, target: Float64Array, offset: number): void {
  const nullable = data.nullCount > 0;
  const count = rows ? rows.length : data.length;
  if (data.type.typeId === Type.Float && (data.type as any).precision !== 0) {
    const values = data.values as Float64Array | Float32Array;
    for (let j = 0; j < count; j++) {
      const i = rows ? rows[j] : j;
      target[offset + j] = nullable && !data.getValid(i) ? NaN : values[i];
    }
    return;
  }
  if (data.type.typeId === Type.Int && (data.type as any).bitWidth === 64) {
    const values = data.values as BigInt64Array | BigUint64Array;
    for (let j = 0; j < count; j++) {
      const i = rows ? rows[j] : j;
      target[offset + j] = nullable && !data.getValid(i) ? NaN : Number(values[i]);
    }
    return;
  }
  if (data.type.typeId === Type.Int) {
    const values = data.values as Int32Array;
    for (let j = 0; j < count; j++) {
      const i = rows ? rows[j] : j;
      target[offset + j] = nullable && !data.getValid(i) ? NaN : values[i];
    }
    return;
  }
  // Half floats: decode through the vector.
  const vector = makeVector(data);
  for (let j = 0; j < count; j++) {
    const value = vector.get(rows ? rows[j] : j);
    target[offset + j] = value === null ? NaN : Number(value);
  }
}
