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

/** σ → FWHM for a Gaussian. */
export const FWHM_PER_SIGMA = 2.35482;

/** Survey start (2025-11-01T12:00 UTC, rubin_scheduler's SURVEY_START_MJD): night 0 is day_obs 2025-11-01. */
export const SURVEY_START_MJD = 60980.5;

export function isBand(value: unknown): value is Band {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LSSTCAM_ZERO_POINT_1S, value);
}
