/**
 * day_obs: the calendar date in the fixed UTC-12h zone (no daylight saving) on which a night
 * of observing starts at Rubin (SITCOMTN-032). Stored as a PostgreSQL DATE, written as ISO
 * `YYYY-MM-DD`; ConsDB writes it as the integer YYYYMMDD.
 */

/** Raised for text that is not a day_obs; the message says what was given and what is accepted. */
export class DayObsError extends Error {
  constructor(input: unknown) {
    super(`not a day_obs: ${JSON.stringify(input)} (expected YYYY-MM-DD, YYYYMMDD or an integer such as 20250814)`);
    this.name = 'DayObsError';
  }
}

const MS_PER_DAY = 86_400_000;
/** MJD 0 is 1858-11-17T00:00Z. */
const MJD_EPOCH_MS = Date.UTC(1858, 10, 17);

/** Parses `YYYY-MM-DD`, `YYYYMMDD` or the integer YYYYMMDD into ISO `YYYY-MM-DD`, checking the calendar. */
export function parseDayObs(input: string | number): string {
  const text = typeof input === 'number' ? (Number.isInteger(input) ? String(input) : '') : input.trim();
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!match || (text.includes('-') && text.length !== 10)) throw new DayObsError(input);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw new DayObsError(input);
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/** The integer form used by ConsDB: `2025-08-14` → 20250814. */
export function dayObsToInt(dayObs: string): number {
  return Number(parseDayObs(dayObs).replaceAll('-', ''));
}

/** The day_obs of an instant: the UTC date of (instant − 12 h). */
export function dayObsOfInstant(instant: Date): string {
  return isoDate(instant.getTime() - 12 * 3_600_000);
}

/** The day_obs of a Modified Julian Date (UTC): the date of MJD day floor(mjd − 0.5). */
export function dayObsOfMjd(mjd: number): string {
  if (!Number.isFinite(mjd)) throw new DayObsError(mjd);
  return isoDate(MJD_EPOCH_MS + Math.floor(mjd - 0.5) * MS_PER_DAY);
}

/** The MJD at which night `dayObs` begins in the day_obs sense (12:00 UTC of that date). */
export function mjdAtDayObsStart(dayObs: string): number {
  const [year, month, day] = parseDayObs(dayObs).split('-').map(Number);
  return (Date.UTC(year, month - 1, day) - MJD_EPOCH_MS) / MS_PER_DAY + 0.5;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
