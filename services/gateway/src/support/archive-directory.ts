import { dayObsOfInstant } from '@visitsarch/day-obs';

/**
 * Where a sequence's objects go in an archive, as the blob archive's upload headers take it:
 * `<archive>/<telescope>/<day_obs of creation_time>/<uuid>/` (the upstream archive's layout).
 */
export function archiveDirectory(archiveUrl: string, sequence: { telescope: string; creationTime?: Date; visitseqUuid: string }) {
  return {
    archiveUrl,
    telescope: sequence.telescope,
    creationDayObs: dayObsOfInstant(sequence.creationTime ?? new Date()),
    visitseqUuid: sequence.visitseqUuid,
  };
}
