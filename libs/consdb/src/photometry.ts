/**
 * Photometric constants rubin_scheduler's ConsDB conversion uses (rubin_scheduler
 * `utils/consdb.py`, from SMTN-002 and syseng_throughputs), per band.
 */
export type Band = 'u' | 'g' | 'r' | 'i' | 'z' | 'y';

/** LSSTCam instrumental zero points for 1 s (zp_t). */
export const LSSTCAM_ZERO_POINT_1S: Record<Band, number> = { u: 26.524237, g: 28.508375, r: 28.360838, i: 28.171396, z: 27.782264, y: 26.817819 };

/** Reference 5σ depths of a 30 s effective-time visit (SMTN-002 m_ref). */
export const LSSTCAM_M5_REFERENCE: Record<Band, number> = { u: 23.7, g: 24.97, r: 24.52, i: 24.13, z: 23.56, y: 22.55 };

/** Extinction coefficients rubin_scheduler applies to LATISS zero points (mag/airmass, its signs). */
export const LATISS_EXTINCTION: Record<Band, number> = { u: -0.4582, g: -0.2079, r: -0.1223, i: -0.0739, z: -0.0574, y: -0.0947 };

/** σ → FWHM for a Gaussian, 2√(2 ln 2) (rubin_scheduler's GAUSSIAN_FWHM_OVER_SIGMA; 2.35482 was 2e-8 off). */
export const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

/**
 * The default origin of the opsim `night` column: rubin_scheduler 4.6.0's `SURVEY_START_MJD`
 * (`rubin_scheduler/utils/constants.py`, `Time("2026-06-29T12:00:00").mjd`), from which its
 * simulations number their nights, so night 0 is day_obs 2026-06-29 and earlier visits have
 * negative nights. Kept equal to the installed rubin_scheduler's value by
 * rubin-scheduler-agreement.spec.ts; a deployment overrides it with CONSDB_SURVEY_START_MJD, a
 * request with survey_start_mjd.
 */
export const SURVEY_START_MJD = 61220.5;

/** Whether `mjd` can be a night origin: a finite MJD between 1995 and 2100 (a typo guard). */
export function isValidSurveyStartMjd(mjd: number): boolean {
  return Number.isFinite(mjd) && mjd >= 49718 && mjd <= 88069;
}

export function isBand(value: unknown): value is Band {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LSSTCAM_ZERO_POINT_1S, value);
}
