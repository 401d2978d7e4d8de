/**
 * TAI ↔ UTC for Modified Julian Dates. ConsDB's `*_mjd` columns and timestamps are TAI;
 * opsim's MJDs (and everything rubin_scheduler computes from them with astropy's default
 * UTC scale) are UTC. The difference is the number of leap seconds, 37 s since 2017-01-01.
 */

/** UTC MJD at which each TAI − UTC value (seconds) took effect (IERS Bulletin C), newest last. */
const LEAP_SECONDS: ReadonlyArray<readonly [number, number]> = [
  [53736, 33], // 2006-01-01
  [54832, 34], // 2009-01-01
  [56109, 35], // 2012-07-01
  [57204, 36], // 2015-07-01
  [57754, 37], // 2017-01-01
];

const SECONDS_PER_DAY = 86_400;

/** The first UTC MJD the leap-second table covers. */
export const LEAP_SECONDS_SINCE_MJD = LEAP_SECONDS[0][0];

/** TAI − UTC in seconds at a UTC MJD (from 2006 on; earlier instants are not Rubin visits). */
export function taiMinusUtcSeconds(utcMjd: number): number {
  if (utcMjd < LEAP_SECONDS[0][0]) throw new RangeError(`MJD ${utcMjd} predates the leap-second table (2006)`);
  let offset = LEAP_SECONDS[0][1];
  for (const [start, seconds] of LEAP_SECONDS) if (utcMjd >= start) offset = seconds;
  return offset;
}

/** The UTC MJD of a TAI MJD. */
export function taiToUtcMjd(taiMjd: number): number {
  // The offset is looked up at the TAI instant shifted by the current offset; a leap second
  // boundary (never during a Rubin night: they fall at 00:00 UTC, ~21:00 in Chile) is the only
  // place where the two lookups could differ.
  const approximate = taiMjd - 37 / SECONDS_PER_DAY;
  return taiMjd - taiMinusUtcSeconds(approximate) / SECONDS_PER_DAY;
}
