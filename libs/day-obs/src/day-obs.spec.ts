import { DayObsError, dayObsOfInstant, dayObsOfMjd, dayObsOfNight, dayObsToInt, mjdAtDayObsStart, MJD_OF_UNIX_EPOCH, nightOfDate, nightOfDayObs, nightOfDayObsInteger, nightOfMjd, nightOfUnixDay, nightOfUnixMs, parseDayObs } from './day-obs';

describe('day_obs', () => {
  it.each([
    ['2025-08-14', '2025-08-14'],
    ['20250814', '2025-08-14'],
    [20250814, '2025-08-14'],
    [' 2024-02-29 ', '2024-02-29'],
  ])('parses %j', (input, expected) => expect(parseDayObs(input)).toBe(expected));

  it.each(['2025-02-30', '20251301', '2025-8-14', '2025/08/14', '', 'tomorrow', 2025081, 20250814.5, '2025-0814'])('refuses %j', (input) => {
    expect(() => parseDayObs(input)).toThrow(DayObsError);
    expect(() => parseDayObs(input)).toThrow(/expected YYYY-MM-DD, YYYYMMDD or an integer/);
  });

  it('converts to the ConsDB integer', () => expect(dayObsToInt('20250814')).toBe(20250814));

  it('takes the date in UTC-12 for instants', () => {
    expect(dayObsOfInstant(new Date('2025-08-15T11:59:59Z'))).toBe('2025-08-14');
    expect(dayObsOfInstant(new Date('2025-08-15T12:00:00Z'))).toBe('2025-08-15');
  });

  it('matches floor(mjd - 0.5) for MJDs, as rubin_sim does', () => {
    // MJD 60902 is 2025-08-15T00:00Z; 60902.5 is 12:00Z, the start of day_obs 2025-08-15.
    expect(dayObsOfMjd(60902.5)).toBe('2025-08-15');
    expect(dayObsOfMjd(60902.4999)).toBe('2025-08-14');
    expect(dayObsOfMjd(60902.0)).toBe('2025-08-14'); // midnight UTC, still the night of the 14th
    expect(mjdAtDayObsStart('2025-08-15')).toBe(60902.5);
  });

  it('numbers nights by the MJD of 00:00 UTC of their day_obs, one key for every place', () => {
    expect(nightOfDayObs('2025-08-15')).toBe(60902);
    expect(nightOfDayObs(20250815)).toBe(60902);
    expect(nightOfDate(2025, 8, 15)).toBe(60902);
    expect(nightOfMjd(60902.5)).toBe(60902);
    expect(nightOfMjd(60903.4999)).toBe(60902);
    expect(nightOfMjd(Number.NaN)).toBeNaN();
    expect(dayObsOfNight(60902)).toBe('2025-08-15');
    // Arrow date32 counts days from 1970-01-01.
    expect(nightOfUnixDay(Date.UTC(2025, 7, 15) / 86_400_000)).toBe(60902);
    expect(nightOfUnixDay(0)).toBe(MJD_OF_UNIX_EPOCH);
    // Arrow date64 counts milliseconds.
    expect(nightOfUnixMs(Date.UTC(2025, 7, 15))).toBe(60902);
    expect(nightOfUnixMs(Date.UTC(2025, 7, 15, 23, 59))).toBe(60902);
    // ConsDB's integer day_obs, read row by row.
    expect(nightOfDayObsInteger(20250815)).toBe(60902);
    expect(nightOfDayObsInteger(20250815.5)).toBeNaN();
    expect(() => nightOfDayObs('2025-02-30')).toThrow(DayObsError);
  });
});
