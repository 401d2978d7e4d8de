import { Data, DataType, DateUnit, RecordBatch, Schema, Type } from 'apache-arrow';
import { dayObsOfNight, nightOfDate, nightOfDayObs, nightOfMjd, nightOfUnixDay } from '@visitsarch/day-obs';

/**
 * Where a visit table's nights come from (the contract's "visit-table day_obs range"): its
 * `day_obs` column (date32/date64, an integer such as 20250814, or `YYYY-MM-DD`/`YYYYMMDD` text),
 * otherwise floor(MJD − 0.5) of `observationStartMJD` (opsim) or `obs_start_mjd` (ConsDB).
 * Nights are compared as the night numbers of @visitsarch/day-obs (MJD day numbers); this file
 * only reads them from Arrow columns, row by row.
 */
export interface DayObsSource {
  column: string;
  index: number;
  kind: 'day_obs' | 'mjd';
}

const MS_PER_DAY = 86_400_000;

export function dayObsSourceOf(schema: Schema): DayObsSource | undefined {
  const index = schema.fields.findIndex((field) => field.name === 'day_obs');
  if (index >= 0) return { column: 'day_obs', index, kind: 'day_obs' };
  for (const column of ['observationStartMJD', 'obs_start_mjd']) {
    const mjd = schema.fields.findIndex((field) => field.name === column);
    if (mjd >= 0) return { column, index: mjd, kind: 'mjd' };
  }
  return undefined;
}

/** The night of every row of a batch as a night number; NaN where unknown (null or unparsable). */
export function dayNumbers(batch: RecordBatch, source: DayObsSource): Float64Array {
  const data = batch.getChildAt(source.index)!.data[0];
  const result = new Float64Array(batch.numRows);
  const read = rowReader(data, source);
  for (let row = 0; row < batch.numRows; row++) result[row] = isValid(data, row) ? read(row) : NaN;
  return result;
}

function rowReader(data: Data, source: DayObsSource): (row: number) => number {
  const type = data.type as DataType;
  if (source.kind === 'mjd') {
    if (type.typeId !== Type.Float && type.typeId !== Type.Int) throw new TypeError(`${source.column} must be numeric, not ${type}`);
    const values = data.values as ArrayLike<number | bigint>;
    return (row) => nightOfMjd(Number(values[row]));
  }
  switch (type.typeId) {
    case Type.Date: {
      const values = data.values as Int32Array;
      if ((type as unknown as { unit: DateUnit }).unit === DateUnit.DAY) return (row) => nightOfUnixDay(values[row]);
      // date64: milliseconds as two int32 halves per value.
      return (row) => nightOfUnixDay(Math.floor((values[2 * row] + values[2 * row + 1] * 2 ** 32) / MS_PER_DAY));
    }
    case Type.Int:
    case Type.Float: {
      const values = data.values as ArrayLike<number | bigint>;
      return (row) => {
        const value = Number(values[row]);
        if (!Number.isInteger(value)) return NaN;
        const year = Math.floor(value / 10000);
        const month = Math.floor(value / 100) % 100;
        const day = value % 100;
        return nightOfDate(year, month, day);
      };
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const bytes = data.values as Uint8Array;
      const decoder = new TextDecoder();
      return (row) => {
        const text = decoder.decode(bytes.subarray(Number(offsets[row]), Number(offsets[row + 1])));
        try {
          return nightOfDayObs(text);
        } catch {
          return NaN;
        }
      };
    }
    default:
      throw new TypeError(`the day_obs column has unsupported type ${type}`);
  }
}

function isValid(data: Data, row: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const bit = data.offset + row;
  return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** The earliest and latest night seen over the batches observed. */
export class DayObsRangeTracker {
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly source: DayObsSource | undefined) {}

  observe(batch: RecordBatch): void {
    if (!this.source) return;
    for (const day of dayNumbers(batch, this.source)) {
      if (day < this.min) this.min = day;
      if (day > this.max) this.max = day;
    }
  }

  /** `YYYY-MM-DD` bounds; empty strings when unknown (no rows, no source column). */
  range(): { firstDayObs: string; lastDayObs: string } {
    if (this.min === Infinity) return { firstDayObs: '', lastDayObs: '' };
    return { firstDayObs: dayObsOfNight(this.min), lastDayObs: dayObsOfNight(this.max) };
  }
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
