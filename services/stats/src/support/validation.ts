import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { metadataV1, typeV1 } from '@visitsarch/contracts';
import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import type { CallOptions } from '@visitsarch/grpc-client';
import { invalidArgument, notFound } from '@visitsarch/grpc-server';
import { Backends } from './backends';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID field, lower-cased; INVALID_ARGUMENT if empty or malformed. */
export function requireUuid(value: string | undefined, field: string): string {
  if (!value || !UUID.test(value)) throw invalidArgument(`${field} must be a UUID, got ${JSON.stringify(value ?? '')}`, field);
  return value.toLowerCase();
}

/** A DayObsRange with its bounds normalised to ISO (empty bounds stay undefined); INVALID_ARGUMENT if malformed or reversed. */
export function dayObsRange(range: typeV1.DayObsRange | undefined, field: string): { first?: string; last?: string } {
  const bound = (value: string | undefined, name: string) => {
    if (!value) return undefined;
    try {
      return parseDayObs(value);
    } catch (error) {
      if (error instanceof DayObsError) throw invalidArgument(error.message, `${field}.${name}`);
      throw error;
    }
  };
  const first = bound(range?.firstDayObs, 'first_day_obs');
  const last = bound(range?.lastDayObs, 'last_day_obs');
  if (first && last && last < first) throw invalidArgument(`${field}.last_day_obs ${last} is earlier than first_day_obs ${first}`, `${field}.last_day_obs`);
  return { first, last };
}

/** The visit sequence with this UUID, or NOT_FOUND. */
export async function getSequence(backends: Backends, uuid: string, parent: CallOptions['parent']): Promise<metadataV1.VisitSequence> {
  try {
    const { visitSequence } = await backends.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, { parent });
    if (visitSequence) return visitSequence;
  } catch (error) {
    if ((error as grpc.ServiceError).code !== status.NOT_FOUND) throw error;
  }
  throw notFound('VisitSequence', uuid, `no visit sequence has UUID ${uuid}`);
}
