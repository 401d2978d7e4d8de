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
  return dayObsOfNight(nightOfMjd(mjd));
}

/** The MJD at which night `dayObs` begins in the day_obs sense (12:00 UTC of that date). */
export function mjdAtDayObsStart(dayObs: string): number {
  return nightOfDayObs(dayObs) + 0.5;
}

/*
 * Night numbers: the one integer key of a night. A night is numbered by the MJD of 00:00 UTC of
 * its day_obs date, so the night of an instant of MJD `mjd` is floor(mjd − 0.5) (rubin_sim's and
 * upstream `compute_nightly_stats`' rule) and day_obs 2025-08-15 is night 60902. Arrow date32
 * values (and JavaScript's Date) count days from the Unix epoch instead: add MJD_OF_UNIX_EPOCH.
 * Every place that compares or buckets nights (blob-archive's day_obs filters and ranges,
 * nightly-stats' nights, the stats plots) uses these functions, never its own epoch.
 */

/** The MJD of the Unix epoch (1970-01-01): a Unix day number plus this is a night number. */
export const MJD_OF_UNIX_EPOCH = 40_587;

/** The night number of a day_obs (`YYYY-MM-DD`, `YYYYMMDD` or the integer), calendar checked. */
export function nightOfDayObs(dayObs: string | number): number {
  const [year, month, day] = parseDayObs(dayObs).split('-').map(Number);
  return nightOfDate(year, month, day);
}

/**
 * The night number of a calendar date given as numbers (month 1–12), not checked: out-of-range
 * parts roll over as in Date.UTC. For per-row reads of columns already known to hold dates.
 */
export function nightOfDate(year: number, month: number, day: number): number {
  return (Date.UTC(year, month - 1, day) - MJD_EPOCH_MS) / MS_PER_DAY;
}

/**
 * The night number of the integer form YYYYMMDD (e.g. 20250815, as ConsDB writes day_obs), not
 * checked, like {@link nightOfDate}; NaN if `value` is not an integer. For per-row reads.
 */
export function nightOfDayObsInteger(value: number): number {
  if (!Number.isInteger(value)) return NaN;
  return nightOfDate(Math.floor(value / 10000), Math.floor(value / 100) % 100, value % 100);
}

/** The night number of an instant given as an MJD (UTC): floor(mjd − 0.5); NaN stays NaN. */
export function nightOfMjd(mjd: number): number {
  return Math.floor(mjd - 0.5);
}

/** The night number of a Unix day number (an Arrow date32 value). */
export function nightOfUnixDay(unixDay: number): number {
  return unixDay + MJD_OF_UNIX_EPOCH;
}

/** The night number of a date given in milliseconds since the Unix epoch (an Arrow date64 value). */
export function nightOfUnixMs(ms: number): number {
  return nightOfUnixDay(Math.floor(ms / MS_PER_DAY));
}

/** The ISO day_obs of a night number. */
export function dayObsOfNight(night: number): string {
  return isoDate(MJD_EPOCH_MS + night * MS_PER_DAY);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
