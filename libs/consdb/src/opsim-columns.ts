/** The 47 columns of the opsim `observations` table (rubin_scheduler's SchemaConverter order). */
export type OpsimType = 'int' | 'float' | 'text';

export const OPSIM_COLUMN_TYPES: ReadonlyArray<readonly [string, OpsimType]> = [
  ['observationId', 'int'], ['fieldRA', 'float'], ['fieldDec', 'float'], ['observationStartMJD', 'float'], ['flush_by_mjd', 'float'],
  ['visitExposureTime', 'float'], ['band', 'text'], ['filter', 'text'], ['rotSkyPos', 'float'], ['rotSkyPos_desired', 'float'],
  ['numExposures', 'int'], ['airmass', 'float'], ['seeingFwhm500', 'float'], ['seeingFwhmEff', 'float'], ['seeingFwhmGeom', 'float'],
  ['skyBrightness', 'float'], ['night', 'int'], ['slewTime', 'float'], ['visitTime', 'float'], ['slewDistance', 'float'],
  ['fiveSigmaDepth', 'float'], ['altitude', 'float'], ['azimuth', 'float'], ['paraAngle', 'float'], ['pseudoParaAngle', 'float'],
  ['cloud', 'float'], ['moonAlt', 'float'], ['sunAlt', 'float'], ['scheduler_note', 'text'], ['target_name', 'text'],
  ['target_id', 'int'], ['observationStartLST', 'float'], ['rotTelPos', 'float'], ['rotTelPos_backup', 'float'], ['moonAz', 'float'],
  ['sunAz', 'float'], ['sunRA', 'float'], ['sunDec', 'float'], ['moonRA', 'float'], ['moonDec', 'float'],
  ['moonDistance', 'float'], ['solarElong', 'float'], ['moonPhase', 'float'], ['cummTelAz', 'float'], ['observation_reason', 'text'],
  ['science_program', 'text'], ['cloud_extinction', 'float'],
];

export const OPSIM_COLUMN_NAMES: readonly string[] = OPSIM_COLUMN_TYPES.map(([name]) => name);
