import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import { invalidArgument } from '@visitsarch/grpc-server';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A required RFC 4122 UUID field, returned in canonical lower case; INVALID_ARGUMENT naming the field otherwise. */
export function requireUuid(value: string | undefined, field: string): string {
  if (!value) throw invalidArgument(`${field} is required`, field);
  if (!UUID_PATTERN.test(value)) throw invalidArgument(`${field} is not a UUID: ${JSON.stringify(value)}`, field);
  return value.toLowerCase();
}

/** An optional UUID field: unset or empty gives undefined. */
export function optionalUuid(value: string | undefined, field: string): string | undefined {
  return value ? requireUuid(value, field) : undefined;
}

/** A required day_obs field (`YYYY-MM-DD`, `YYYYMMDD` or the integer's text), returned as ISO. */
export function requireDayObs(value: string | undefined, field: string): string {
  if (!value) throw invalidArgument(`${field} is required`, field);
  return dayObs(value, field);
}

/** An optional day_obs field: unset or empty gives undefined. */
export function optionalDayObs(value: string | undefined, field: string): string | undefined {
  return value ? dayObs(value, field) : undefined;
}

function dayObs(value: string, field: string): string {
  try {
    return parseDayObs(value);
  } catch (error) {
    if (error instanceof DayObsError) throw invalidArgument(`${field}: ${error.message}`, field);
    throw error;
  }
}

/** A required non-empty text field. */
export function requireText(value: string | undefined, field: string): string {
  if (!value) throw invalidArgument(`${field} is required`, field);
  return value;
}

/** A raw SHA-256 digest: exactly 32 bytes. */
export function requireSha256(value: Uint8Array | undefined, field: string): Buffer {
  if (!value || value.length === 0) throw invalidArgument(`${field} is required`, field);
  if (value.length !== 32) throw invalidArgument(`${field} must be a raw 32-byte SHA-256 digest, got ${value.length} bytes`, field);
  return Buffer.from(value);
}

/** An optional SHA-256 digest: unset or empty gives undefined. */
export function optionalSha256(value: Uint8Array | undefined, field: string): Buffer | undefined {
  return value && value.length > 0 ? requireSha256(value, field) : undefined;
}

/** A batch of 1 to `max` rows. */
export function requireBatch<T>(rows: T[] | undefined, field: string, max = 10_000): T[] {
  if (!rows || rows.length === 0) throw invalidArgument(`${field} is empty`, field);
  if (rows.length > max) throw invalidArgument(`${field} has ${rows.length} rows; at most ${max} are accepted per call`, field);
  return rows;
}

/** A page size: 0 means the default, larger values are coerced to the maximum, negative ones are refused. */
export function pageSize(value: number | undefined, field: string, defaultSize: number, maxSize: number): number {
  const size = value ?? 0;
  if (size < 0) throw invalidArgument(`${field} must not be negative`, field);
  return size === 0 ? defaultSize : Math.min(size, maxSize);
}

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
