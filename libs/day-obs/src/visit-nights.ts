/**
 * The night of each visit of an Arrow table, as a night number (the MJD of 00:00 UTC of the
 * day_obs): the one rule the blob archive (day_obs ranges and filters) and the nightly statistics
 * follow. A visit's night comes from its `day_obs` column (an Arrow date, an integer such as
 * 20250814 as ConsDB stores it, or `YYYY-MM-DD`/`YYYYMMDD` text), otherwise from its start MJD as
 * floor(MJD − 0.5), as upstream's `compute_nightly_stats` does: `observationStartMJD` (opsim),
 * then `obs_start_mjd` (ConsDB). A null or unreadable value is a visit without a night (NaN).
 */
import { Data, DataType, DateUnit, RecordBatch, Schema, Type } from 'apache-arrow';
import { dayObsOfNight, nightOfDayObs, nightOfDayObsInteger, nightOfMjd, nightOfUnixDay, nightOfUnixMs } from './day-obs';

/** The columns a night can be taken from, in order of preference. */
export const NIGHT_COLUMNS = ['day_obs', 'observationStartMJD', 'obs_start_mjd'] as const;

/** A table has none of {@link NIGHT_COLUMNS}, or one of a type that holds no nights. */
export class NoNightColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoNightColumnError';
  }
}

/** The column a table's nights come from. */
export interface NightColumn {
  name: (typeof NIGHT_COLUMNS)[number];
  index: number;
}

/** The column the nights of tables of this schema come from; undefined when there is none. */
export function nightColumnOf(schema: Schema): NightColumn | undefined {
  for (const name of NIGHT_COLUMNS) {
    const index = schema.fields.findIndex((field) => field.name === name);
    if (index >= 0) return { name, index };
  }
  return undefined;
}

/** Writes the night of each row of a batch into `out` (at least `batch.numRows` long). */
export type NightReader = (batch: RecordBatch, out: Float64Array) => void;

/**
 * How to read the nights of tables of this schema, or NoNightColumnError when it has no night
 * column or the column's type holds none (checked here, before any batch is read).
 */
export function nightReader(schema: Schema): { column: string; read: NightReader } {
  const column = nightColumnOf(schema);
  if (!column) throw new NoNightColumnError(`the visits have no day_obs range: no ${NIGHT_COLUMNS.join(', ')} column`);
  const valueReader = valueReaderOf(schema.fields[column.index].type, column.name);
  return {
    column: column.name,
    read: (batch, out) => {
      const data = batch.getChildAt(column.index)!.data[0];
      const read = valueReader(data);
      const valid = validity(data);
      for (let row = 0; row < batch.numRows; row++) out[row] = valid(row) ? read(row) : NaN;
    },
  };
}

/** The nights of every row of a batch, in a new array. */
export function nightsOf(batch: RecordBatch, reader: NightReader): Float64Array {
  const nights = new Float64Array(batch.numRows);
  reader(batch, nights);
  return nights;
}

function valueReaderOf(type: DataType, column: string): (data: Data) => (row: number) => number {
  if (column !== 'day_obs') {
    if (type.typeId !== Type.Float && type.typeId !== Type.Int) throw new NoNightColumnError(`the ${column} column has type ${String(type)}; expected a number (MJD)`);
    return (data) => {
      const values = data.values as ArrayLike<number | bigint>;
      return (row) => nightOfMjd(Number(values[row])); // NaN stays NaN: such a visit has no night
    };
  }
  switch (type.typeId) {
    case Type.Date:
      if ((type as unknown as { unit: DateUnit }).unit === DateUnit.DAY) {
        return (data) => {
          const days = data.values as Int32Array;
          return (row) => nightOfUnixDay(days[row]);
        };
      }
      return (data) => {
        const ms = data.values as BigInt64Array; // date64: milliseconds, one int64 per value
        return (row) => nightOfUnixMs(Number(ms[row]));
      };
    case Type.Int:
    case Type.Float:
      return (data) => {
        const values = data.values as ArrayLike<number | bigint>;
        return (row) => nightOfDayObsInteger(Number(values[row]));
      };
    case Type.Utf8:
    case Type.LargeUtf8:
      return (data) => {
        const offsets = data.valueOffsets as ArrayLike<number | bigint>;
        const bytes = data.values as Uint8Array;
        const decoder = new TextDecoder();
        let previous = '';
        let previousNight = NaN;
        return (row) => {
          const text = decoder.decode(bytes.subarray(Number(offsets[row]), Number(offsets[row + 1])));
          if (text !== previous) {
            // Visits come night by night: convert each run of equal values once.
            previous = text;
            try {
              previousNight = nightOfDayObs(text);
            } catch {
              previousNight = NaN;
            }
          }
          return previousNight;
        };
      };
    default:
      throw new NoNightColumnError(`the day_obs column has type ${String(type)}; expected an integer YYYYMMDD, text or a date`);
  }
}

function validity(data: Data): (row: number) => boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return () => true;
  return (row) => {
    const bit = data.offset + row;
    return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
  };
}

/** The earliest and latest night seen over the batches observed. */
export class DayObsRangeTracker {
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly source: { read: NightReader } | undefined) {}

  observe(batch: RecordBatch): void {
    if (!this.source) return;
    for (const day of nightsOf(batch, this.source.read)) {
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
