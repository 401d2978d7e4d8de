/**
 * A deterministic, physically consistent set of ConsDB exposures for tests: several nights of
 * science visits (pointing chosen in alt/az, RA/Dec derived for the mid-exposure instant, alt/az
 * at start/middle/end recomputed from that RA/Dec, TAI MJDs and timestamps that agree with
 * day_obs and each other), plus per night some bias and flat frames and science visits whose
 * pointing was not recorded — all of which the default query must leave out — and a few
 * science visits without quicklook rows (the LEFT JOIN keeps them).
 */
import { airmassOfAltitude, horizontalOf, icrsOfHorizontal } from '../astronomy';
import { Telescope } from '../default-queries';
import { FWHM_PER_SIGMA, LSSTCAM_ZERO_POINT_1S, Band } from '../photometry';

export type ColumnValues = Record<string, number | string | boolean | null>;

export interface TestExposure {
  exposure: ColumnValues;
  /** The visit1_quicklook row, absent for some visits. */
  quicklook?: ColumnValues;
  /** Whether the telescope's default query must return it. */
  science: boolean;
}

export interface TestNightsOptions {
  telescope: Telescope;
  /** day_obs of the first night, YYYYMMDD. */
  firstDayObs: number;
  nights: number;
  /** Seconds between visit starts. */
  cadenceSeconds?: number;
  seed?: number;
}

const BANDS: Band[] = ['u', 'g', 'r', 'i', 'z', 'y'];
const LSSTCAM_FILTERS: Record<Band, string> = { u: 'u_24', g: 'g_6', r: 'r_57', i: 'i_39', z: 'z_20', y: 'y_10' };
const LATISS_FILTERS: Record<Band, string> = { u: 'SDSSu_65mm', g: 'SDSSg_65mm', r: 'SDSSr_65mm', i: 'SDSSi_65mm', z: 'SDSSz_65mm', y: 'SDSSy_65mm' };
const TAI_MINUS_UTC_DAYS = 37 / 86_400;
const EXPOSURE_SECONDS = 30;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MJD of 00:00 UTC of the calendar date YYYYMMDD. */
function mjdOfDate(yyyymmdd: number): number {
  const [y, m, d] = [Math.floor(yyyymmdd / 10_000), Math.floor(yyyymmdd / 100) % 100, yyyymmdd % 100];
  return (Date.UTC(y, m - 1, d) - Date.UTC(1858, 10, 17)) / 86_400_000;
}

function dateOfMjd(mjd: number): number {
  return Number(new Date(Date.UTC(1858, 10, 17) + Math.floor(mjd) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''));
}

/** ConsDB's TAI timestamp text for a TAI MJD, as pqserver sends it (ISO, no zone). */
export function taiTimestamp(taiMjd: number): string {
  const ms = Math.round(taiMjd * 86_400_000 + Date.UTC(1858, 10, 17));
  return new Date(ms).toISOString().replace('Z', '');
}

/** The exposures of `nights` consecutive nights. */
export function testNights(options: TestNightsOptions): TestExposure[] {
  const random = mulberry32(options.seed ?? 7);
  const cadence = (options.cadenceSeconds ?? 120) / 86_400;
  const camera = options.telescope === 'simonyi' ? 'MC' : 'AT';
  const exposures: TestExposure[] = [];
  for (let night = 0; night < options.nights; night++) {
    const dayObs = dateOfMjd(mjdOfDate(options.firstDayObs) + night);
    let seq = 0;
    const next = (utcStart: number, kind: 'science' | 'no-pointing' | 'bias' | 'flat', band: Band | null, hasQuicklook: boolean): void => {
      seq += 1;
      const visitId = dayObs * 100_000 + seq;
      const onSky = kind === 'science' || kind === 'no-pointing';
      const exposureTime = kind === 'bias' ? 0 : kind === 'flat' ? 5 : EXPOSURE_SECONDS;
      const utcEnd = utcStart + exposureTime / 86_400;
      const utcMiddle = (utcStart + utcEnd) / 2;
      const row: ColumnValues = {
        exposure_id: visitId,
        exposure_name: `${camera}_O_${dayObs}_${String(seq).padStart(6, '0')}`,
        controller: 'O',
        day_obs: dayObs,
        seq_num: seq,
        physical_filter: band ? (options.telescope === 'simonyi' ? LSSTCAM_FILTERS : LATISS_FILTERS)[band] : null,
        band,
        exp_midpt: taiTimestamp(utcMiddle + TAI_MINUS_UTC_DAYS),
        exp_midpt_mjd: utcMiddle + TAI_MINUS_UTC_DAYS,
        obs_start: taiTimestamp(utcStart + TAI_MINUS_UTC_DAYS),
        obs_start_mjd: utcStart + TAI_MINUS_UTC_DAYS,
        obs_end: taiTimestamp(utcEnd + TAI_MINUS_UTC_DAYS),
        obs_end_mjd: utcEnd + TAI_MINUS_UTC_DAYS,
        exp_time: exposureTime,
        shut_time: exposureTime === 0 ? 0 : exposureTime + 0.000021934509277,
        dark_time: exposureTime + 0.47,
        group_id: `${dayObs}-${Math.floor(seq / 10)}`,
        img_type: kind === 'bias' ? 'bias' : kind === 'flat' ? 'flat' : 'science',
        science_program: onSky ? 'BLOCK-365' : 'BLOCK-T214',
        observation_reason: onSky ? 'field_survey_science' : 'calibration',
        target_name: onSky ? `Rubin_SV_${Math.round(random() * 360)}_-40` : '',
        scheduler_note: onSky ? `pair_33, ${band}${band}, a` : null,
        air_temp: 12 + random() * 2,
        pressure: 74_300 + random() * 200,
        humidity: 20 + random() * 10,
        wind_speed: random() * 8,
        wind_dir: random() * 360,
        dimm_seeing: 0.6 + random() * 0.6,
        can_see_sky: onSky,
        vignette: onSky ? 'NO' : 'FULLY',
        vignette_min: onSky ? 'NO' : 'FULLY',
        emulated: false,
        simulated: false,
      };
      if (kind === 'science') {
        const pointing = { alt: 35 + random() * 50, az: random() * 360 };
        const icrs = icrsOfHorizontal(pointing, utcMiddle);
        const at = (utc: number) => horizontalOf(icrs, utc);
        const [start, middle, end] = [at(utcStart), at(utcMiddle), at(utcEnd)];
        Object.assign(row, {
          s_ra: icrs.ra,
          s_dec: icrs.dec,
          sky_rotation: random() * 360,
          altitude_start: start.alt,
          altitude: middle.alt,
          altitude_end: end.alt,
          azimuth_start: start.az,
          azimuth: middle.az,
          azimuth_end: end.az,
          zenith_distance_start: 90 - start.alt,
          zenith_distance: 90 - middle.alt,
          zenith_distance_end: 90 - end.alt,
          airmass: airmassOfAltitude(middle.alt),
          s_region: `POLYGON ICRS ${icrs.ra.toFixed(4)} ${icrs.dec.toFixed(4)}`,
        });
      }
      exposures.push({
        exposure: row,
        quicklook: hasQuicklook && band ? quicklookOf(options.telescope, visitId, dayObs, seq, band, random) : undefined,
        science: kind === 'science',
      });
    };

    // Calibrations in the afternoon (18:00–19:00 UTC), then the night from 01:30 to 08:30 UTC
    // (December at Cerro Pachón: the Sun is below −12° throughout).
    const date = mjdOfDate(dayObs);
    for (let i = 0; i < 3; i++) next(date + 0.75 + i * 0.001, 'bias', null, false);
    for (let i = 0; i < 2; i++) next(date + 0.76 + i * 0.001, 'flat', BANDS[i + 1], false);
    const nightStart = date + 1 + 1.5 / 24;
    const nightEnd = date + 1 + 8.5 / 24;
    let index = 0;
    for (let t = nightStart; t < nightEnd; t += cadence, index++) {
      const band = BANDS[Math.floor(index / 20) % BANDS.length];
      const kind = index % 37 === 5 ? 'no-pointing' : 'science';
      next(t, kind, band, index % 53 !== 7);
    }
  }
  return exposures;
}

function quicklookOf(telescope: Telescope, visitId: number, dayObs: number, seq: number, band: Band, random: () => number): ColumnValues {
  const psfSigma = 1.6 + random() * 0.8;
  const skyBg = 400 + random() * 1200;
  if (telescope === 'simonyi') {
    return {
      visit_id: visitId,
      day_obs: dayObs,
      seq_num: seq,
      n_inputs: 189,
      pixel_scale_median: 0.2 + (random() - 0.5) * 0.002,
      psf_sigma_median: psfSigma,
      psf_area_median: 4 * Math.PI * psfSigma * psfSigma * (1 + random() * 0.05),
      sky_bg_median: skyBg,
      zero_point_median: LSSTCAM_ZERO_POINT_1S[band] + 2.5 * Math.log10(EXPOSURE_SECONDS) - random() * 0.2,
      eff_time_median: 15 + random() * 20,
      seeing_zenith_500nm_median: psfSigma / 1.2,
      stats_mag_lim_median: 24 + random(),
      physical_rotator_angle: random() * 180 - 90,
      aos_fwhm: 0.3 + random() * 0.2,
      n_psf_star_total: Math.round(200 + random() * 2000),
    };
  }
  return {
    visit_id: visitId,
    day_obs: dayObs,
    seq_num: seq,
    n_inputs: 1,
    pixel_scale: 0.0956 + (random() - 0.5) * 0.0004,
    psf_sigma: psfSigma * 2,
    psf_area: 4 * Math.PI * psfSigma * psfSigma * 4,
    sky_bg: skyBg,
    zero_point: 25.5 - random() * 0.3,
    eff_time: 10 + random() * 10,
    seeing_zenith_500nm: (psfSigma * 2) / 1.2,
    stats_mag_lim: 20 + random(),
    n_psf_star: Math.round(20 + random() * 100),
  };
}

/** FWHM of a Gaussian PSF of `sigma` pixels at `scale` arcsec/pixel (for test expectations). */
export function fwhmOf(sigma: number, scale: number): number {
  return sigma * FWHM_PER_SIGMA * scale;
}
