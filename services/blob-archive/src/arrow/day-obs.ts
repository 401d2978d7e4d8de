import { RecordBatch, Schema } from 'apache-arrow';
import { nightColumnOf, nightReader, nightsOf, NightReader } from '@visitsarch/day-obs';

/** The range of a stored table: the rule lives in @visitsarch/day-obs (the CLI reads local files' ranges with it too). */
export { DayObsRangeTracker } from '@visitsarch/day-obs';

/**
 * Where a visit table's nights come from (the contract's "visit-table day_obs range"): the rule is
 * @visitsarch/day-obs's (`nightReader`: the `day_obs` column, else floor(MJD − 0.5) of
 * `observationStartMJD` or `obs_start_mjd`). This file keeps what the blob archive does with
 * them: the range of a stored table, and the rows of a batch inside a range.
 */
export interface DayObsSource {
  column: string;
  read: NightReader;
}

/** The night source of tables of this schema; undefined when they have no night column. */
export function dayObsSourceOf(schema: Schema): DayObsSource | undefined {
  return nightColumnOf(schema) ? nightReader(schema) : undefined;
}

/** The night of every row of a batch as a night number; NaN where unknown (null or unparsable). */
export function dayNumbers(batch: RecordBatch, source: DayObsSource): Float64Array {
  return nightsOf(batch, source.read);
}

/** Inclusive night-number bounds; undefined sides do not restrict. */
export interface DayNumberRange {
  first?: number;
  last?: number;
}

/**
 * The rows of a batch whose night lies in `range`, as slices of consecutive rows (visit
 * tables are in time order, so usually one slice or none; no copy is made).
 */
export function* rowsInRange(batch: RecordBatch, source: DayObsSource, range: DayNumberRange): Generator<RecordBatch> {
  const days = dayNumbers(batch, source);
  const first = range.first ?? -Infinity;
  const last = range.last ?? Infinity;
  let start = -1;
  for (let row = 0; row <= batch.numRows; row++) {
    const inside = row < batch.numRows && days[row] >= first && days[row] <= last;
    if (inside && start < 0) start = row;
    if (!inside && start >= 0) {
      yield start === 0 && row === batch.numRows ? batch : batch.slice(start, row);
      start = -1;
    }
  }
}
