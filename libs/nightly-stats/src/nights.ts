/**
 * The night of each visit, as a night number of @visitsarch/day-obs (the MJD of 00:00 UTC of
 * the day_obs date), from a `day_obs` column (ConsDB's integer YYYYMMDD, ISO text or an Arrow
 * date) or else from the start MJD as floor(MJD − 0.5), as upstream's `compute_nightly_stats`
 * does. The numbering itself lives in @visitsarch/day-obs (`nightOfDayObs`, `nightOfMjd`).
 */
import { Data, makeVector, RecordBatch, Schema, Type } from 'apache-arrow';
import { nightOfDayObs, nightOfMjd, parseDayObs } from '@visitsarch/day-obs';

/** The columns a night can be taken from, in order of preference. */
export const NIGHT_COLUMNS = ['day_obs', 'observationStartMJD', 'obs_start_mjd'] as const;

/** Raised when a table has none of {@link NIGHT_COLUMNS}, or one of an unusable type. */
export class NoNightColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoNightColumnError';
  }
}

/** Writes the day number of each row of a batch into `out` (NaN where the night is unknown, e.g. a null MJD). */
export type NightReader = (batch: RecordBatch, out: Float64Array) => void;

/** Chooses how to read nights from tables of this schema. */
export function nightReader(schema: Schema): { column: string; read: NightReader } {
  for (const column of NIGHT_COLUMNS) {
    const index = schema.fields.findIndex((field) => field.name === column);
    if (index < 0) continue;
    const type = schema.fields[index].type;
    if (column === 'day_obs') {
      if (type.typeId === Type.Int) return { column, read: (batch, out) => readDayObs(batch.data.children[index], out, (v) => parseDayObs(Number(v))) };
      if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) return { column, read: (batch, out) => readDayObs(batch.data.children[index], out, (v) => parseDayObs(String(v))) };
      if (type.typeId === Type.Date) return { column, read: (batch, out) => readDayObs(batch.data.children[index], out, (v) => new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().slice(0, 10)) };
      throw new NoNightColumnError(`the day_obs column has type ${String(type)}; expected an integer YYYYMMDD, text or a date`);
    }
    if (type.typeId !== Type.Float && type.typeId !== Type.Int) throw new NoNightColumnError(`the ${column} column has type ${String(type)}; expected a number (MJD)`);
    return { column, read: (batch, out) => readMjd(batch.data.children[index], out) };
  }
  throw new NoNightColumnError(`the visits have no day_obs range: no ${NIGHT_COLUMNS.join(', ')} column`);
}

function readMjd(data: Data, out: Float64Array): void {
  const values = data.values as ArrayLike<number | bigint>;
  const nullable = data.nullCount > 0;
  for (let i = 0; i < data.length; i++) {
    if (nullable && !data.getValid(i)) {
      out[i] = NaN;
      continue;
    }
    out[i] = nightOfMjd(Number(values[i])); // NaN stays NaN: such a visit has no night
  }
}

/** Reads day_obs values, converting each distinct run once (visits come night by night). */
function readDayObs(data: Data, out: Float64Array, toIso: (value: unknown) => string): void {
  const vector = makeVector(data);
  let previous: unknown = undefined;
  let previousDay = NaN;
  for (let i = 0; i < data.length; i++) {
    const value = vector.get(i);
    if (value === null || value === undefined) {
      out[i] = NaN;
      continue;
    }
    if (value !== previous) {
      previous = value;
      previousDay = nightOfDayObs(toIso(value));
    }
    out[i] = previousDay;
  }
}
