/**
 * Request fields checked against the rules of ./rules, failing with gRPC INVALID_ARGUMENT (a
 * BadRequest field violation naming the field). Gateway and metadata check the same fields with
 * these same functions (defence in depth, one definition).
 *
 * @visitsarch/grpc-server (NestJS) is loaded only when an error is raised, so that the pure
 * rules stay cheap to import for libraries and the CLI that never raise gRPC errors.
 */
import type * as GrpcServer from '@visitsarch/grpc-server';
import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import { quote, QUOTE_PREFIX_CHARS } from './limits';
import { isBlank, isTelescope, isUuid, MAX_BATCH_ROWS, SHA256_BYTES, Telescope, TELESCOPES } from './rules';

/** INVALID_ARGUMENT naming `field`. */
export function invalidField(message: string, field: string): Error {
  const { invalidArgument } = require('@visitsarch/grpc-server') as typeof GrpcServer;
  return invalidArgument(message, field);
}

/** A required text field: not unset, empty or only white space; returned as given. */
export function requireText(value: string | undefined, field: string): string {
  if (isBlank(value)) throw invalidField(`${field} is required`, field);
  return value as string;
}

/** A required UUID field (see UUID_PATTERN), returned in canonical lower case. */
export function requireUuid(value: string | undefined, field: string): string {
  requireText(value, field);
  if (!isUuid(value as string)) throw invalidField(`${field} must be a UUID, got ${quote(value)}`, field);
  return (value as string).toLowerCase();
}

/** An optional UUID field: unset or empty gives undefined. */
export function optionalUuid(value: string | undefined, field: string): string | undefined {
  return value ? requireUuid(value, field) : undefined;
}

/** A required telescope field: one of TELESCOPES. */
export function requireTelescope(value: string | undefined, field = 'telescope'): Telescope {
  requireText(value, field);
  if (!isTelescope(value as string)) throw invalidField(`${field} must be one of ${TELESCOPES.join(', ')}, got ${quote(value)}`, field);
  return value as Telescope;
}

/** A required day_obs field (`YYYY-MM-DD`, `YYYYMMDD` or the integer's text), returned as ISO. */
export function requireDayObs(value: string | undefined, field: string): string {
  if (!value) throw invalidField(`${field} is required`, field);
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
    if (error instanceof DayObsError) {
      // DayObsError quotes the whole input; a long one is quoted by its prefix only.
      const message = value.length > QUOTE_PREFIX_CHARS ? `not a day_obs: ${quote(value)}` : error.message;
      throw invalidField(`${field}: ${message}`, field);
    }
    throw error;
  }
}

/** A `visitsarch.type.v1.DayObsRange`'s bounds as ISO (unset bounds stay undefined); a reversed range is refused. */
export function dayObsRange(range: { firstDayObs?: string; lastDayObs?: string } | undefined, field: string): { first?: string; last?: string } {
  const first = optionalDayObs(range?.firstDayObs, `${field}.first_day_obs`);
  const last = optionalDayObs(range?.lastDayObs, `${field}.last_day_obs`);
  if (first && last && last < first) throw invalidField(`${field}.last_day_obs ${last} is earlier than first_day_obs ${first}`, `${field}.last_day_obs`);
  return { first, last };
}

/** A raw SHA-256 digest: exactly 32 bytes. */
export function requireSha256(value: Uint8Array | undefined, field: string): Buffer {
  if (!value || value.length === 0) throw invalidField(`${field} is required`, field);
  if (value.length !== SHA256_BYTES) throw invalidField(`${field} must be a raw ${SHA256_BYTES}-byte SHA-256 digest, got ${value.length} bytes`, field);
  return Buffer.from(value);
}

/** An optional SHA-256 digest: unset or empty gives undefined. */
export function optionalSha256(value: Uint8Array | undefined, field: string): Buffer | undefined {
  return value && value.length > 0 ? requireSha256(value, field) : undefined;
}

/** A batch of 1 to `max` rows. */
export function requireBatch<T>(rows: T[] | undefined, field: string, max = MAX_BATCH_ROWS): T[] {
  if (!rows || rows.length === 0) throw invalidField(`${field} is empty`, field);
  if (rows.length > max) throw invalidField(`${field} has ${rows.length} rows; at most ${max} are accepted per call`, field);
  return rows;
}

/** A page size: 0 means the default, larger values are coerced to the maximum, negative ones are refused. */
export function pageSize(value: number | undefined, field: string, defaultSize: number, maxSize: number): number {
  const size = value ?? 0;
  if (size < 0) throw invalidField(`${field} must not be negative`, field);
  return size === 0 ? defaultSize : Math.min(size, maxSize);
}
