/**
 * ConsDB visits → the opsim `observations` schema that `SchemaConverter().opsim2obs` reads:
 * rubin_scheduler's `ConsDBVisits.opsim` mapping (docs/consdb.md has every column), with its
 * known bugs fixed and the ConsDB columns kept after the 47 opsim ones (except the eight whose
 * names opsim uses for the same values: airmass, altitude, azimuth, band, scheduler_note,
 * target_name, observation_reason, science_program).
 */
import { Bool, DataType, Field, Float64, Int64, Schema, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import {
  airmassOfAltitude,
  Equatorial,
  horizontalOf,
  localSiderealTime,
  parallacticAngleOf,
  pseudoParallacticAngle,
  RUBIN_SITE,
  separation,
  Site,
  sunMoonPositions,
  wrap180,
} from './astronomy';
import { ConsdbResult } from './access/consdb-connection';
import { Telescope } from './default-queries';
import { OPSIM_COLUMN_TYPES, OpsimType } from './opsim-columns';
import { FWHM_PER_SIGMA, isBand, isValidSurveyStartMjd, LATISS_EXTINCTION, LSSTCAM_M5_REFERENCE, LSSTCAM_ZERO_POINT_1S, SURVEY_START_MJD } from './photometry';
import { taiToUtcMjd } from './time-scales';

/** A query result that cannot become opsim visits (a required column is missing). */
export class ConsdbConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsdbConversionError';
  }
}

/** Columns without which no visit can be placed: the query must return them. */
export const REQUIRED_CONSDB_COLUMNS = ['visit_id', 'day_obs', 's_ra', 's_dec', 'sky_rotation', 'obs_start_mjd', 'obs_end_mjd', 'band'] as const;

/** ConsDB columns holding integers (INTEGER / BIGINT); other numeric columns become float64. */
const INTEGER_COLUMN = /^(visit_id|exposure_id|day_obs|seq_num|cur_index|max_index|n_inputs|n_psf_star(_\w+)?|(low|high)_snr_source_count(_\w+)?|guider_n_\w+|detector)$/;

type Row = Record<string, unknown>;
type Value = number | string | boolean | null;

const SECONDS_PER_DAY = 86_400;
const { log10, sqrt, floor } = Math;

export interface ConversionOptions {
  /** The night origin: `night` = floor(mjd − 0.5) − floor(surveyStartMjd − 0.5). Default SURVEY_START_MJD. */
  surveyStartMjd?: number;
  site?: Site;
}

/** Converts ConsDB rows to an Arrow table: 47 opsim columns, then the kept ConsDB columns. Rows are sorted by start time. */
export function consdbToOpsim(result: ConsdbResult, telescope: Telescope, options: ConversionOptions = {}): Table {
  const { surveyStartMjd = SURVEY_START_MJD, site = RUBIN_SITE } = options;
  if (!isValidSurveyStartMjd(surveyStartMjd)) throw new ConsdbConversionError(`the survey start MJD must be an MJD from 49718 to 88069, not ${surveyStartMjd}`);
  const firstIndex = new Map<string, number>();
  result.columns.forEach((name, index) => firstIndex.has(name) || firstIndex.set(name, index));
  const missing = REQUIRED_CONSDB_COLUMNS.filter((name) => !firstIndex.has(name));
  if (missing.length) throw new ConsdbConversionError(`the ConsDB query must return the column(s) ${missing.join(', ')} (it returned ${result.columns.join(', ') || 'none'})`);

  // A row without a pointing or a start time is no visit that can be placed (a user query may
  // return bias frames or unrecorded pointings, which the default queries exclude): dropped.
  const rows: Row[] = result.rows
    .map((values) => {
      const row: Row = {};
      for (const [name, index] of firstIndex) row[name] = values[index] ?? null;
      return row;
    })
    .filter((row) => Number.isFinite(num(row.s_ra)) && Number.isFinite(num(row.s_dec)) && Number.isFinite(num(row.obs_start_mjd)));
  rows.sort((a, b) => num(a.obs_start_mjd) - num(b.obs_start_mjd) || num(a.visit_id) - num(b.visit_id));

  const opsimRows = rows.map((row, index) => opsimRow(row, index > 0 ? rows[index - 1] : undefined, telescope, site, surveyStartMjd));
  const fields: Field[] = [];
  const vectors: Vector[] = [];
  for (const [name, type] of OPSIM_COLUMN_TYPES) {
    const arrowType = arrowTypeOf(type);
    fields.push(new Field(name, arrowType, true));
    vectors.push(column(opsimRows.map((row) => row[name] ?? null), arrowType));
  }
  // rubin_scheduler ≥ 4.6 writes a 48th column, the scheduler's extinction_limit: not known for
  // taken visits, null (so opsimdf2obs reads NaN, not uninitialised memory). Then, derived but
  // not opsim: the Moon's illuminated fraction (opsim's moonPhase is the elongation).
  for (const name of ['extinction_limit', 'moon_illumination']) {
    fields.push(new Field(name, new Float64(), true));
    vectors.push(column(opsimRows.map((row) => row[name] ?? null), new Float64()));
  }
  const opsimNames = new Set([...OPSIM_COLUMN_TYPES.map(([name]) => name), 'extinction_limit', 'moon_illumination']);
  for (const name of firstIndex.keys()) {
    if (opsimNames.has(name)) continue;
    const values = rows.map((row) => row[name] as Value);
    const arrowType = consdbArrowType(name, values);
    fields.push(new Field(name, arrowType, true));
    vectors.push(column(arrowType instanceof Utf8 ? values.map((v) => (v === null ? null : String(v))) : values, arrowType));
  }
  const schema = new Schema(fields);
  if (rows.length === 0) return new Table(schema);
  return new Table(Object.fromEntries(fields.map((field, i) => [field.name, vectors[i]])));
}

function opsimRow(row: Row, previous: Row | undefined, telescope: Telescope, site: Site, surveyStartMjd: number): Record<string, Value> {
  const ra = num(row.s_ra);
  const dec = num(row.s_dec);
  const field: Equatorial = { ra, dec };
  const startTai = num(row.obs_start_mjd);
  const endTai = num(row.obs_end_mjd);
  const start = taiToUtcMjd(startTai);
  const middle = taiToUtcMjd(Number.isFinite(num(row.exp_midpt_mjd)) ? num(row.exp_midpt_mjd) : (startTai + endTai) / 2);
  const band = isBand(row.band) ? row.band : typeof row.physical_filter === 'string' ? row.physical_filter.charAt(0) : null;
  const shutTime = finiteOr(num(row.shut_time), num(row.exp_time));

  const lst = localSiderealTime(start, site);
  let altitude = finiteOr(num(row.altitude), (num(row.altitude_start) + num(row.altitude_end)) / 2);
  let azimuth = finiteOr(num(row.azimuth), circularMean(num(row.azimuth_start), num(row.azimuth_end)));
  if (!Number.isFinite(altitude) || !Number.isFinite(azimuth)) {
    const computed = horizontalOf(field, middle, site);
    altitude = computed.alt;
    azimuth = computed.az;
  }
  const pseudoPa = pseudoParallacticAngle(field, start, site);
  const rotSkyPos = num(row.sky_rotation);
  const sunMoon = sunMoonPositions(middle, site);

  const pixelScale = pixelScaleOf(row, telescope);
  const psfSigma = quicklook(row, 'psf_sigma', telescope);
  const psfArea = quicklook(row, 'psf_area', telescope);
  const seeing500 = quicklook(row, 'seeing_zenith_500nm', telescope);
  const sameNight = previous !== undefined && previous.day_obs === row.day_obs;

  return {
    observationId: num(row.visit_id),
    fieldRA: ra,
    fieldDec: dec,
    observationStartMJD: start,
    flush_by_mjd: null,
    visitExposureTime: finite(shutTime),
    band,
    filter: typeof row.physical_filter === 'string' ? row.physical_filter : band,
    rotSkyPos,
    rotSkyPos_desired: null,
    numExposures: 1,
    airmass: finite(finiteOr(num(row.airmass), airmassOfAltitude(altitude))),
    seeingFwhm500: finite(seeing500 * FWHM_PER_SIGMA * pixelScale),
    seeingFwhmEff: finite(0.663 * pixelScale * sqrt(psfArea)),
    seeingFwhmGeom: finite(psfSigma * FWHM_PER_SIGMA * pixelScale),
    skyBrightness: finite(skyBrightness(row, telescope, band, shutTime, pixelScale)),
    night: floor(start - 0.5) - floor(surveyStartMjd - 0.5),
    slewTime: sameNight ? finite((startTai - num(previous.obs_end_mjd)) * SECONDS_PER_DAY) : null,
    visitTime: finite((endTai - startTai) * SECONDS_PER_DAY),
    slewDistance: sameNight ? finite(separation({ ra: num(previous.s_ra), dec: num(previous.s_dec) }, field)) : null,
    fiveSigmaDepth: finite(fiveSigmaDepth(row, telescope, band)),
    altitude,
    azimuth,
    paraAngle: parallacticAngleOf(field, start, site),
    pseudoParaAngle: pseudoPa,
    cloud: null,
    moonAlt: sunMoon.moonAlt,
    sunAlt: sunMoon.sunAlt,
    scheduler_note: text(row.scheduler_note),
    target_name: text(row.target_name),
    target_id: 0,
    observationStartLST: lst,
    rotTelPos: telescope === 'auxtel' ? wrap180(rotSkyPos + pseudoPa) : wrap180(pseudoPa - rotSkyPos - 90),
    rotTelPos_backup: null,
    moonAz: sunMoon.moonAz,
    sunAz: sunMoon.sunAz,
    sunRA: sunMoon.sunRA,
    sunDec: sunMoon.sunDec,
    moonRA: sunMoon.moonRA,
    moonDec: sunMoon.moonDec,
    moonDistance: separation(field, { ra: sunMoon.moonRA, dec: sunMoon.moonDec }),
    solarElong: separation(field, { ra: sunMoon.sunRA, dec: sunMoon.sunDec }),
    moonPhase: sunMoon.moonPhase,
    moon_illumination: sunMoon.moonIllumination,
    cummTelAz: null,
    observation_reason: text(row.observation_reason),
    science_program: text(row.science_program),
    cloud_extinction: null,
    extinction_limit: null,
  };
}

/**
 * LSSTCam's quicklook has only `pixel_scale_median`; rubin_scheduler read a `pixel_scale`
 * column and so always fell back to 0.2″/px. We read the median, falling back to the nominal
 * scale when it is missing or implausible (> 0.5″/px, as rubin_nights guards). LATISS's
 * quicklook has `pixel_scale`; its nominal scale is 0.1″/px (rubin_scheduler fell back to 1.0).
 */
function pixelScaleOf(row: Row, telescope: Telescope): number {
  const measured = num(telescope === 'simonyi' ? row.pixel_scale_median : row.pixel_scale);
  const nominal = telescope === 'simonyi' ? 0.2 : 0.1;
  return Number.isFinite(measured) && measured > 0 && measured <= 0.5 ? measured : nominal;
}

/** A quicklook aggregate: LSSTCam's `<name>_median`, LATISS's unsuffixed `<name>`. */
function quicklook(row: Row, name: string, telescope: Telescope): number {
  return num(telescope === 'simonyi' ? row[`${name}_median`] : row[name]);
}

/** Sky surface brightness (mag/arcsec²), rubin_scheduler's formula. */
function skyBrightness(row: Row, telescope: Telescope, band: string | null, shutTime: number, pixelScale: number): number {
  if (!isBand(band)) return NaN;
  const skyPerArcsec2 = -2.5 * log10(quicklook(row, 'sky_bg', telescope) / (pixelScale * pixelScale));
  if (telescope === 'simonyi') return LSSTCAM_ZERO_POINT_1S[band] + 2.5 * log10(shutTime) + skyPerArcsec2;
  return quicklook(row, 'zero_point', telescope) - num(row.airmass) * LATISS_EXTINCTION[band] + skyPerArcsec2;
}

/**
 * LSSTCam: SMTN-002's m_ref + 1.25 log10(eff_time/30 s), rubin_scheduler's formula. LATISS:
 * its quicklook `stats_mag_lim` (rubin_scheduler's LATISS path read a column that does not
 * exist, and the LSSTCam m_ref do not apply to LATISS).
 */
function fiveSigmaDepth(row: Row, telescope: Telescope, band: string | null): number {
  if (telescope === 'auxtel') return num(row.stats_mag_lim);
  if (!isBand(band)) return NaN;
  return LSSTCAM_M5_REFERENCE[band] + 1.25 * log10(num(row.eff_time_median) / 30);
}

function circularMean(a: number, b: number): number {
  const rad = Math.PI / 180;
  const mean = Math.atan2(Math.sin(a * rad) + Math.sin(b * rad), Math.cos(a * rad) + Math.cos(b * rad)) / rad;
  return (mean + 360) % 360;
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function arrowTypeOf(type: OpsimType): DataType {
  return type === 'int' ? new Int64() : type === 'float' ? new Float64() : new Utf8();
}

/** Arrow type of a kept ConsDB column, from its name and values (JSON carries no SQL types). */
function consdbArrowType(name: string, values: Value[]): DataType {
  const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
  if (kinds.size === 0) return INTEGER_COLUMN.test(name) ? new Int64() : new Float64();
  if (kinds.size > 1) return new Utf8();
  const [kind] = kinds;
  if (kind === 'boolean') return new Bool();
  if (kind === 'number') return INTEGER_COLUMN.test(name) && values.every((v) => v === null || Number.isInteger(v)) ? new Int64() : new Float64();
  return new Utf8();
}

function column(values: Value[], type: DataType): Vector {
  if (type instanceof Int64) return vectorFromArray(values.map((v) => (v === null ? null : BigInt(Math.round(v as number)))), type);
  if (type instanceof Float64) return vectorFromArray(values.map((v) => (v === null || !Number.isFinite(v as number) ? null : (v as number))), type);
  return vectorFromArray(values, type);
}
