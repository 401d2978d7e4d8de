/**
 * The default ConsDB queries: the science visits of each telescope. They carry no day_obs
 * bounds; {@link boundedByDayObs} adds them around any query (the contract's wrapping), so a
 * query's own AND/OR mix cannot leak rows outside the range — the precedence bug of
 * lsst_survey_sim's `... day_obs < D AND science_program = 'A' OR science_program = 'B'`.
 *
 * `USING (visit_id, day_obs, seq_num)` joins on visit_id exactly as every ConsDB client does
 * (the quicklook table's foreign keys make day_obs and seq_num agree with it) while making
 * `SELECT *` return each key column once, so the result has the single `day_obs` column the
 * wrapping needs and no duplicate names. All conditions are ANDed; the one OR-free filter on
 * the band keeps pinhole and other non-ugrizy frames out.
 */

/** The telescopes ConsDB knows, by the archive's name, and their ConsDB schemas. */
export const CONSDB_SCHEMAS = { simonyi: 'cdb_lsstcam', auxtel: 'cdb_latiss' } as const;
export type Telescope = keyof typeof CONSDB_SCHEMAS;

/** Image types taken on the sky (bias, dark and flat frames are not). */
export const ON_SKY_IMAGE_TYPES = ['science', 'acq', 'engtest'] as const;

function scienceVisitsQuery(schema: string): string {
  return [
    'SELECT *',
    `FROM ${schema}.visit1 AS v`,
    `LEFT JOIN ${schema}.visit1_quicklook AS q USING (visit_id, day_obs, seq_num)`,
    `WHERE v.img_type IN (${ON_SKY_IMAGE_TYPES.map((type) => `'${type}'`).join(', ')})`,
    '  AND v.s_ra IS NOT NULL AND v.s_dec IS NOT NULL AND v.sky_rotation IS NOT NULL',
    '  AND v.obs_start_mjd IS NOT NULL AND v.obs_end_mjd IS NOT NULL',
    "  AND v.band IN ('u', 'g', 'r', 'i', 'z', 'y')",
  ].join('\n');
}

/** Science visits of the Simonyi Survey Telescope (LSSTCam). */
export const SIMONYI_SCIENCE_CONSDB_QUERY = scienceVisitsQuery(CONSDB_SCHEMAS.simonyi);
/** Science visits of the Auxiliary Telescope (LATISS). */
export const AUXTEL_SCIENCE_CONSDB_QUERY = scienceVisitsQuery(CONSDB_SCHEMAS.auxtel);

const DEFAULT_QUERIES: Record<Telescope, string> = { simonyi: SIMONYI_SCIENCE_CONSDB_QUERY, auxtel: AUXTEL_SCIENCE_CONSDB_QUERY };

export function isTelescope(name: string): name is Telescope {
  return Object.prototype.hasOwnProperty.call(CONSDB_SCHEMAS, name);
}

/** The default query of a telescope. */
export function defaultConsdbQuery(telescope: Telescope): string {
  return DEFAULT_QUERIES[telescope];
}

/** An inclusive day_obs range as ConsDB's integers (YYYYMMDD); an unset end is open. */
export interface DayObsBounds {
  first?: number;
  last?: number;
}

/**
 * Restricts a query's rows to a day_obs range (the contract's wrapping). A trailing semicolon
 * is dropped so a query written for psql still nests. Bounds are integers, never text, so
 * nothing the caller sends is spliced into SQL here.
 */
export function boundedByDayObs(query: string, bounds: DayObsBounds): string {
  return `SELECT * FROM (\n${nested(query)}\n) AS visits${whereDayObs(bounds)}`;
}

/** How many rows of a query lie in a range, and the nights they span (to page past ConsDB's row cap). */
export function countInDayObsRange(query: string, bounds: DayObsBounds): string {
  return `SELECT count(*) AS row_count, min(day_obs) AS first_day_obs, max(day_obs) AS last_day_obs FROM (\n${nested(query)}\n) AS visits${whereDayObs(bounds)}`;
}

function nested(query: string): string {
  return query.trim().replace(/;\s*$/, '');
}

function whereDayObs(bounds: DayObsBounds): string {
  const conditions: string[] = [];
  if (bounds.first !== undefined) conditions.push(`day_obs >= ${Math.trunc(bounds.first)}`);
  if (bounds.last !== undefined) conditions.push(`day_obs <= ${Math.trunc(bounds.last)}`);
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}
