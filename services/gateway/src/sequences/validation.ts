import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import { invalidArgument } from '@visitsarch/grpc-server';
import { isUuid } from '../support/request-id';

export const TELESCOPES = ['simonyi', 'auxtel'];

export function requireText(value: string | undefined, field: string): string {
  if (!value || value.trim() === '') throw invalidArgument(`${field} is required`, field);
  return value;
}

export function requireTelescope(value: string | undefined, field = 'telescope'): string {
  requireText(value, field);
  if (!TELESCOPES.includes(value as string)) throw invalidArgument(`${field} must be one of ${TELESCOPES.join(', ')}, got ${JSON.stringify(value)}`, field);
  return value as string;
}

export function requireUuid(value: string | undefined, field: string): string {
  requireText(value, field);
  if (!isUuid(value as string)) throw invalidArgument(`${field} must be a UUID, got ${JSON.stringify(value)}`, field);
  return (value as string).toLowerCase();
}

/** A day_obs field, normalised to ISO; undefined or empty stays undefined. */
export function optionalDayObs(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseDayObs(value);
  } catch (error) {
    if (error instanceof DayObsError) throw invalidArgument(`${field}: ${error.message}`, field);
    throw error;
  }
}
