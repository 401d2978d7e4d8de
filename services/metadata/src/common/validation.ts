/*
 * The field rules (UUIDs, text, day_obs, digests, batch and page sizes) are @visitsarch/validation's,
 * shared with the gateway and the other services; they are re-exported here for the service's
 * call sites. What follows them is the service's own conversion of values for PostgreSQL.
 */
export { optionalDayObs, optionalSha256, optionalUuid, pageSize, requireBatch, requireDayObs, requireSha256, requireTelescope, requireText, requireUuid } from '@visitsarch/validation';

/** An instant for a timestamptz parameter; the driver sends it with its offset, so the session TimeZone is irrelevant. */
export function isoInstant(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

/** NaN and ±Infinity travel as doubles in protobuf; SQL NULL reads back as NaN (see NightlyStat). */
export function numberOrNull(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

export function nullToNaN(value: number | null | undefined): number {
  return value === null || value === undefined ? Number.NaN : Number(value);
}
