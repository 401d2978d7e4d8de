import { RecordBatch, tableFromArrays } from 'apache-arrow';
import { DayObsRangeTracker, dayObsSourceOf, rowsInRange } from './day-obs';

const onlyBatch = (table: { batches: RecordBatch[] }) => table.batches[0];

describe('the nights of a stored visit table (the rule itself: @visitsarch/day-obs visit-nights.spec.ts)', () => {
  it('tracks the range and selects the rows of a range without copying', () => {
    const table = tableFromArrays({ observationStartMJD: new Float64Array([60980.6, 60981.6, 60982.6, 60983.6]), id: new Int32Array([0, 1, 2, 3]) });
    const source = dayObsSourceOf(table.schema)!;
    const tracker = new DayObsRangeTracker(source);
    tracker.observe(onlyBatch(table));
    expect(tracker.range()).toEqual({ firstDayObs: '2025-11-01', lastDayObs: '2025-11-04' });
    expect(new DayObsRangeTracker(undefined).range()).toEqual({ firstDayObs: '', lastDayObs: '' });
    const [selected, ...rest] = [...rowsInRange(onlyBatch(table), source, { first: 60981, last: 60982 })];
    expect(rest).toEqual([]);
    expect([...selected.getChild('id')!]).toEqual([1, 2]);
    expect([...rowsInRange(onlyBatch(table), source, {})]).toEqual([onlyBatch(table)]);
  });
});
