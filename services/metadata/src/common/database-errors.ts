import { boundMessage, GrpcError, invalidArgument, unavailable, unreachableCause } from '@visitsarch/grpc-server';

/** The fields of a node-postgres error we look at. */
export interface PgError {
  code?: string;
  constraint?: string;
  message: string;
}

export function isPgError(error: unknown, code?: string): error is PgError {
  return typeof error === 'object' && error !== null && typeof (error as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((error as PgError).code!) && (code === undefined || (error as PgError).code === code);
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const CHECK_VIOLATION = '23514';
export const SERIALIZATION_FAILURE = '40001';
export const DEADLOCK_DETECTED = '40P01';

/** Check constraints of the schema, by the request field they protect. */
const CHECKED_FIELDS: Record<string, string> = {
  visitseq_day_obs_ordered: 'visit_sequence.last_day_obs',
  mixedvisitseqs_parts_ordered: 'visit_sequence.mixed.first_late_day_obs',
  visitseq_label_not_empty: 'visit_sequence.visitseq_label',
  visitseq_telescope_not_empty: 'visit_sequence.telescope',
  maf_healpix_stats_nside_power_of_two: 'stats.nside',
};

/**
 * Turns a check violation the service did not anticipate in its own validation into INVALID_ARGUMENT
 * naming the field; anything else is rethrown (and becomes INTERNAL).
 */
export function rethrowConstraint(error: unknown): never {
  if (isPgError(error, CHECK_VIOLATION) && error.constraint) {
    const field = CHECKED_FIELDS[error.constraint] ?? error.constraint;
    throw invalidArgument(`${field} violates ${error.constraint}: ${error.message}`, field);
  }
  throw error;
}

/** Retries a transaction that lost a serialization race (e.g. concurrent upserts of the same key). */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryable = isPgError(error, SERIALIZATION_FAILURE) || isPgError(error, DEADLOCK_DETECTED);
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** SQLSTATEs of text PostgreSQL cannot hold (a NUL byte, an invalid or untranslatable character). */
const BAD_TEXT = new Set(['22021', '22P05']);
/** SQLSTATE of a number out of its column's range. */
const NUMERIC_VALUE_OUT_OF_RANGE = '22003';

/**
 * The service's translation of database failures (GrpcErrorFilter's `mapError`): PostgreSQL that
 * cannot be reached (refused or lost connections, a server shutting down, a full pool) is
 * UNAVAILABLE, the code clients retry; text or numbers PostgreSQL refuses are INVALID_ARGUMENT
 * (the request checks refuse them first; this is their backstop). Anything else is unchanged.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof GrpcError) return error;
  const unreachable = unreachableCause(error);
  if (unreachable) return unavailable(`the archive database (PostgreSQL) cannot be reached (${unreachable}); retry later`, 'DATABASE_UNAVAILABLE');
  if (isPgError(error) && BAD_TEXT.has(error.code!)) return invalidArgument(`a text field holds characters PostgreSQL cannot store: ${boundMessage(error.message, 200)}`, undefined, 'INVALID_TEXT');
  if (isPgError(error, NUMERIC_VALUE_OUT_OF_RANGE)) return invalidArgument(`a number is out of range: ${boundMessage(error.message, 200)}`, undefined, 'NUMBER_OUT_OF_RANGE');
  return error;
}
