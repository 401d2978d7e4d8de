import { Float64, Int64, RecordBatch, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { computeNightlyStats, NightlyStatsComputation, NightlyStatRow, SPEC_COLUMNS } from './index';
import { mismatches, pandasNightlyStats } from './spec-helpers/pandas';

jest.setTimeout(120_000);

/** mulberry32: deterministic test data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An awkward opsim-like table: 40 nights with gaps (empty nights), nights of one visit, a
 * night whose altitudes are all null, NaN and null values, many tied values (rounded), an
 * int64 column, a visit without MJD, and rows out of night order.
 */
function awkwardTable(seed = 7): Table {
  const next = random(seed);
  const mjd: (number | null)[] = [];
  const altitude: (number | null)[] = [];
  const azimuth: (number | null)[] = [];
  const fieldRA: (number | null)[] = [];
  const target: bigint[] = [];
  const note: string[] = [];
  for (let night = 0; night < 40; night++) {
    if (night % 7 === 3) continue; // an empty night
    const visits = night % 5 === 1 ? 1 : 1 + Math.floor(next() * 60);
    for (let v = 0; v < visits; v++) {
      mjd.push(60980.5 + night + 0.48 + v * 0.0004);
      const u = next();
      altitude.push(night === 12 ? null : u < 0.08 ? null : u < 0.15 ? NaN : Math.round(20 + 70 * next())); // ties
      azimuth.push(u > 0.9 ? NaN : 360 * next());
      fieldRA.push(-30 + 400 * next() * next());
      target.push(BigInt(Math.floor(next() * 5)));
      note.push(`visit ${v}`);
    }
  }
  mjd.push(null); // a visit without a night: ignored, as pandas' groupby drops NaT
  altitude.push(45);
  azimuth.push(45);
  fieldRA.push(45);
  target.push(1n);
  note.push('lost');
  // Move a block of rows from the middle to the front: visits need not come in night order.
  const rotate = <T>(values: T[]) => [...values.slice(300, 420), ...values.slice(0, 300), ...values.slice(420)];
  return new Table({
    observationStartMJD: vectorFromArray(rotate(mjd), new Float64()),
    altitude: vectorFromArray(rotate(altitude), new Float64()),
    azimuth: vectorFromArray(rotate(azimuth), new Float64()),
    fieldRA: vectorFromArray(rotate(fieldRA), new Float64()),
    target_id: vectorFromArray(rotate(target), new Int64()),
    note: vectorFromArray(rotate(note), new Utf8()),
  });
}

/** The table as a stream of small, sliced batches (offsets into shared buffers). */
function slicedStream(table: Table, size: number) {
  const batches: RecordBatch[] = [];
  for (let start = 0; start < table.numRows; start += size) batches.push(...table.slice(start, start + size).batches);
  return { schema: table.schema, async *[Symbol.asyncIterator]() { yield* batches; } };
}

describe('computeNightlyStats against pandas describe', () => {
  const table = awkwardTable();
  const columns = { altitude: 'altitude', azimuth: 'azimuth', s_ra: 'fieldRA', target_id: 'target_id' };

  it('per night and accumulated, with NaNs, nulls, ties, single-visit and empty nights, unordered rows', async () => {
    const result = await computeNightlyStats(slicedStream(table, 97), { columns: Object.keys(columns), accumulated: true });
    const expected = pandasNightlyStats(table, columns, true);
    expect(mismatches(result.rows, expected)).toEqual([]);
    expect(result.missingColumns).toEqual([]);
    // The cases the table was built for are really there.
    const single = result.rows.filter((r) => !r.accumulated && r.valueName === 'azimuth' && r.count === 1);
    expect(single.length).toBeGreaterThan(0);
    expect(single.every((r) => Number.isNaN(r.std) && r.min === r.p05 && r.p95 === r.max)).toBe(true);
    const allNull = result.rows.find((r) => !r.accumulated && r.valueName === 'altitude' && r.dayObs === '2025-11-13');
    expect(allNull).toMatchObject({ count: 0 });
    expect(Number.isNaN(allNull!.median)).toBe(true);
    expect(result.rows.some((r) => r.dayObs === '2025-11-04')).toBe(false); // night 3 is empty
  });

  it('per night only gives the single-night rows', async () => {
    const result = await computeNightlyStats(slicedStream(table, 1000), { columns: ['altitude'] });
    expect(result.rows.every((r) => !r.accumulated)).toBe(true);
    expect(mismatches(result.rows, pandasNightlyStats(table, { altitude: 'altitude' }, false))).toEqual([]);
  });

  it('equals pandas on a synthetic opsim table, reporting the spec columns opsim lacks', async () => {
    const opsim = syntheticOpsimTable({ rows: 12_000, seed: 3, batchRows: 5000 });
    const result = await computeNightlyStats(slicedStream(opsim, 5000), { columns: [...SPEC_COLUMNS], accumulated: true });
    expect(result.missingColumns).toEqual(['eff_time_median', 'sky_bg_median', 'psf_area_median']);
    expect(result.nightColumn).toBe('observationStartMJD');
    const expected = pandasNightlyStats(opsim, { s_ra: 'fieldRA', s_dec: 'fieldDec', sky_rotation: 'rotSkyPos', azimuth: 'azimuth', altitude: 'altitude' }, true);
    expect(expected.length).toBeGreaterThan(100);
    expect(mismatches(result.rows, expected)).toEqual([]);
  });

  it('takes nights from an integer day_obs column (ConsDB) and opsim names map back to ConsDB ones', async () => {
    const consdb = new Table({
      day_obs: vectorFromArray([20251101n, 20251101n, 20251103n, 20251101n, 20251103n, 20251104n], new Int64()),
      s_ra: vectorFromArray([10, 20, 30, NaN, 50, 60], new Float64()),
    });
    const result = await computeNightlyStats(slicedStream(consdb, 4), { columns: ['fieldRA', 'altitude'], accumulated: true });
    expect(result.missingColumns).toEqual(['altitude']);
    expect(result.nightColumn).toBe('day_obs');
    expect(mismatches(result.rows, pandasNightlyStats(consdb, { fieldRA: 's_ra' }, true))).toEqual([]);
  });

  it('restricts rows to a day_obs range while accumulated rows keep earlier visits', async () => {
    const all = await computeNightlyStats(slicedStream(table, 500), { columns: ['altitude'], accumulated: true });
    const ranged = await computeNightlyStats(slicedStream(table, 500), { columns: ['altitude'], accumulated: true, firstDayObs: '20251110', lastDayObs: '2025-11-20' });
    const inRange = (row: NightlyStatRow) => row.dayObs >= '2025-11-10' && row.dayObs <= '2025-11-20';
    expect(ranged.rows.length).toBeGreaterThan(0);
    expect(ranged.rows).toEqual(all.rows.filter(inRange));
  });

  it('fails before reading when there is no night column or a column is not numeric', () => {
    const noNight = new Schema(awkwardTable().schema.fields.filter((f) => f.name !== 'observationStartMJD'));
    expect(() => new NightlyStatsComputation(noNight, { columns: ['altitude'] })).toThrow(/no day_obs range/);
    expect(() => new NightlyStatsComputation(table.schema, { columns: ['note'] })).toThrow(/not numeric/);
  });
});
