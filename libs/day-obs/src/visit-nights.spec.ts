import { Bool, DateDay, DateMillisecond, Float64, Int32, Int64, RecordBatch, Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { nightOfDayObs } from './day-obs';
import { nightColumnOf, nightReader, nightsOf, NoNightColumnError } from './visit-nights';

const nights = (...dayObs: string[]) => dayObs.map((d) => nightOfDayObs(d));
const onlyBatch = (table: { batches: RecordBatch[] }) => table.batches[0];
const nightsOfTable = (table: Table) => [...nightsOf(onlyBatch(table), nightReader(table.schema).read)];

describe('the night of each visit of a table', () => {
  const dates = [Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 2), Date.UTC(2025, 10, 4)];

  it.each([
    ['date32', vectorFromArray(dates.map((ms) => new Date(ms)), new DateDay())],
    ['date64', vectorFromArray(dates.map((ms) => new Date(ms)), new DateMillisecond())],
    ['an integer YYYYMMDD', vectorFromArray([20251101, 20251102, 20251104], new Int32())],
    ['an int64 YYYYMMDD', vectorFromArray([20251101n, 20251102n, 20251104n], new Int64())],
    ['text', vectorFromArray(['2025-11-01', '20251102', '2025-11-04'], new Utf8())],
  ])('comes from a day_obs column of %s first', (_kind, dayObs) => {
    const table = new Table({ observationStartMJD: vectorFromArray([0, 0, 0], new Float64()), day_obs: dayObs });
    expect(nightColumnOf(table.schema)).toEqual({ name: 'day_obs', index: 1 });
    expect(nightReader(table.schema).column).toBe('day_obs');
    expect(nightsOfTable(table)).toEqual(nights('2025-11-01', '2025-11-02', '2025-11-04'));
  });

  it('else from floor(MJD − 0.5) of observationStartMJD, then obs_start_mjd; null or unreadable values are NaN', () => {
    expect(nightsOfTable(tableFromArrays({ observationStartMJD: new Float64Array([60980.6, 60981.4, 60981.5]) }))).toEqual([60980, 60980, 60981]);
    expect(nightsOfTable(new Table({ obs_start_mjd: vectorFromArray([60980.6, null], new Float64()) }))).toEqual([60980, NaN]);
    expect(nightsOfTable(new Table({ day_obs: vectorFromArray(['2025-11-01', 'not a day', null, '2025-11-01'], new Utf8()) }))).toEqual([...nights('2025-11-01'), NaN, NaN, ...nights('2025-11-01')]);
    expect(nightColumnOf(tableFromArrays({ x: new Float64Array([1]) }).schema)).toBeUndefined();
  });

  it('refuses a table without a night column, or with one of a type that holds no nights, before reading it', () => {
    expect(() => nightReader(tableFromArrays({ x: new Float64Array([1]) }).schema)).toThrow(NoNightColumnError);
    expect(() => nightReader(new Table({ day_obs: vectorFromArray([true], new Bool()) }).schema)).toThrow(/day_obs column has type Bool/);
    expect(() => nightReader(new Table({ observationStartMJD: vectorFromArray(['60980.5'], new Utf8()) }).schema)).toThrow(/expected a number \(MJD\)/);
  });
});
