/**
 * The positional astronomy the ConsDB → opsim conversion needs — sidereal time, Sun and Moon
 * positions, alt/az, parallactic angles — computed with astronomy-engine (VSOP87 / ELP for the
 * Sun and Moon, IAU 2006 precession, IAU 2000B nutation), for the Rubin site.
 *
 * What astronomy-engine leaves to the caller, and how it is done here:
 * - Time: it approximates UT1 by UTC and models ΔT = TT − UT by a polynomial that is off by
 *   several seconds today. ΔT is set to the exact TT − UTC (32.184 s + leap seconds) for the
 *   Rubin era instead, so only |UT1 − UTC| < 0.9 s remains (≤ 0.004° of Earth rotation).
 * - Stars (a visit's field): it has no aberration for fixed directions, so annual + diurnal
 *   aberration (≤ 21″) is applied from the observer's barycentric velocity; light deflection
 *   (mas) and refraction are left out, as rubin_scheduler's almanac and astropy's AltAz with
 *   zero pressure do.
 *
 * Conventions: degrees in and out; azimuth from north through east; RA/Dec in ICRS axes
 * (astronomy-engine's J2000 mean equator, 23 mas from ICRS); times are UTC MJDs.
 * The accuracy, tested against astropy, is stated in docs/consdb.md.
 */
import * as Astronomy from 'astronomy-engine';
import { taiMinusUtcSeconds, LEAP_SECONDS_SINCE_MJD } from './time-scales';

/** An observatory: geodetic latitude and longitude (east positive) in degrees, height in m. */
export interface Site {
  latitude: number;
  longitude: number;
  height: number;
}

/** The Rubin site as rubin_scheduler's `Site("LSST")` has it (lat −30.244628°, lon −70.74941°, 2650 m). */
export const RUBIN_SITE: Site = { latitude: -30.244628, longitude: -70.74941, height: 2650 };

export interface Equatorial {
  ra: number;
  dec: number;
}

export interface Horizontal {
  alt: number;
  az: number;
}

const RAD = Math.PI / 180;
const MJD_OF_J2000 = 51_544.5;

// ΔT = TT − UT1 ≈ TT − UTC = 32.184 s + (TAI − UTC) inside the leap-second table; before it,
// astronomy-engine's own model. Global to astronomy-engine, which only this module uses.
Astronomy.SetDeltaTFunction((ut: number) => {
  const mjd = ut + MJD_OF_J2000;
  return mjd >= LEAP_SECONDS_SINCE_MJD ? 32.184 + taiMinusUtcSeconds(mjd) : Astronomy.DeltaT_EspenakMeeus(ut);
});

/** astronomy-engine's time for a UTC MJD (UT1 ≈ UTC). */
export function astroTime(utcMjd: number): Astronomy.AstroTime {
  return new Astronomy.AstroTime(utcMjd - MJD_OF_J2000);
}

function observerAt(site: Site): Astronomy.Observer {
  return new Astronomy.Observer(site.latitude, site.longitude, site.height);
}

export function wrap360(angle: number): number {
  const wrapped = angle % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped;
}

/** An angle in [−180, 180). */
export function wrap180(angle: number): number {
  return wrap360(angle + 180) - 180;
}

/** Local apparent sidereal time (degrees) at a UTC MJD — what rubin_scheduler's converter records. */
export function localSiderealTime(utcMjd: number, site: Site = RUBIN_SITE): number {
  return wrap360(Astronomy.SiderealTime(astroTime(utcMjd)) * 15 + site.longitude);
}

/** Angular separation (degrees) of two positions (Vincenty's formula, exact at all angles). */
export function separation(a: Equatorial, b: Equatorial): number {
  const dra = (b.ra - a.ra) * RAD;
  const [d1, d2] = [a.dec * RAD, b.dec * RAD];
  const x = Math.sin(d1) * Math.sin(d2) + Math.cos(d1) * Math.cos(d2) * Math.cos(dra);
  const y = Math.hypot(Math.cos(d2) * Math.sin(dra), Math.cos(d1) * Math.sin(d2) - Math.sin(d1) * Math.cos(d2) * Math.cos(dra));
  return Math.atan2(y, x) / RAD;
}

/** Position angle (degrees, east of north, (−180, 180]) of `to` as seen from `from`. */
export function positionAngle(from: Equatorial, to: Equatorial): number {
  const dra = (to.ra - from.ra) * RAD;
  const [d1, d2] = [from.dec * RAD, to.dec * RAD];
  return Math.atan2(Math.sin(dra) * Math.cos(d2), Math.cos(d1) * Math.sin(d2) - Math.sin(d1) * Math.cos(d2) * Math.cos(dra)) / RAD;
}

/**
 * The parallactic angle (degrees, [0, 360)) from the hour angle and declination of date and the
 * observer's latitude: tan q = sin H / (tan φ cos δ − sin δ cos H). Same convention as
 * rubin_scheduler's `approx_altaz2pa` (which computes it from alt/az instead).
 */
export function parallacticAngle(hourAngle: number, dec: number, latitude: number): number {
  const [h, d, phi] = [hourAngle * RAD, dec * RAD, latitude * RAD];
  return wrap360(Math.atan2(Math.sin(h), Math.tan(phi) * Math.cos(d) - Math.sin(d) * Math.cos(h)) / RAD);
}

// ---- Fixed directions (a visit's field): ICRS ↔ apparent topocentric, with aberration ----

type Xyz = { x: number; y: number; z: number };

function unitVector({ ra, dec }: Equatorial, time: Astronomy.AstroTime): Astronomy.Vector {
  return new Astronomy.Vector(Math.cos(dec * RAD) * Math.cos(ra * RAD), Math.cos(dec * RAD) * Math.sin(ra * RAD), Math.sin(dec * RAD), time);
}

function equatorialOfVector(v: Astronomy.Vector): Equatorial {
  const { ra, dec } = Astronomy.EquatorFromVector(v);
  return { ra: wrap360(ra * 15), dec };
}

/** The observer's barycentric velocity over c (EQJ axes): Earth's orbit plus its rotation. */
function velocityOverC(time: Astronomy.AstroTime, observer: Astronomy.Observer): Xyz {
  const earth = Astronomy.BaryState(Astronomy.Body.Earth, time);
  const spin = Astronomy.ObserverState(time, observer, false);
  const c = Astronomy.C_AUDAY;
  return { x: (earth.vx + spin.vx) / c, y: (earth.vy + spin.vy) / c, z: (earth.vz + spin.vz) / c };
}

/** Adds (sign +1) or removes (−1) aberration from a unit direction, to first order in v/c (error ~ (v/c)² ≈ 2 mas). */
function aberrate(u: Astronomy.Vector, beta: Xyz, sign: 1 | -1): Astronomy.Vector {
  const [x, y, z] = [u.x + sign * beta.x, u.y + sign * beta.y, u.z + sign * beta.z];
  const norm = Math.hypot(x, y, z);
  return new Astronomy.Vector(x / norm, y / norm, z / norm, u.t);
}

/** Apparent alt/az (no refraction) of an ICRS direction at a UTC MJD. */
export function horizontalOf(icrs: Equatorial, utcMjd: number, site: Site = RUBIN_SITE): Horizontal {
  const time = astroTime(utcMjd);
  const observer = observerAt(site);
  const apparent = aberrate(unitVector(icrs, time), velocityOverC(time, observer), 1);
  const { lat, lon } = Astronomy.HorizonFromVector(Astronomy.RotateVector(Astronomy.Rotation_EQJ_HOR(time, observer), apparent), '');
  return { alt: lat, az: wrap360(lon) };
}

/** The ICRS direction seen at an apparent alt/az (no refraction) at a UTC MJD: the inverse of `horizontalOf`. */
export function icrsOfHorizontal({ alt, az }: Horizontal, utcMjd: number, site: Site = RUBIN_SITE): Equatorial {
  const time = astroTime(utcMjd);
  const observer = observerAt(site);
  const horizontal = Astronomy.VectorFromHorizon(new Astronomy.Spherical(alt, az, 1), time, '');
  const apparent = Astronomy.RotateVector(Astronomy.Rotation_HOR_EQJ(time, observer), horizontal);
  return equatorialOfVector(aberrate(apparent, velocityOverC(time, observer), -1));
}

/** Apparent topocentric hour angle and declination of date (degrees) of an ICRS direction. */
export function hourAngleAndDeclination(icrs: Equatorial, utcMjd: number, site: Site = RUBIN_SITE): { hourAngle: number; dec: number } {
  const time = astroTime(utcMjd);
  const apparent = aberrate(unitVector(icrs, time), velocityOverC(time, observerAt(site)), 1);
  const ofDate = equatorialOfVector(Astronomy.RotateVector(Astronomy.Rotation_EQJ_EQD(time), apparent));
  return { hourAngle: wrap180(localSiderealTime(utcMjd, site) - ofDate.ra), dec: ofDate.dec };
}

/** The parallactic angle (degrees, [0, 360)) of an ICRS direction at a UTC MJD: zenith – target – true pole of date. */
export function parallacticAngleOf(icrs: Equatorial, utcMjd: number, site: Site = RUBIN_SITE): number {
  const { hourAngle, dec } = hourAngleAndDeclination(icrs, utcMjd, site);
  return parallacticAngle(hourAngle, dec, site.latitude);
}

/**
 * The pseudo parallactic angle of SMTN-019 (degrees, [−180, 180)): the angle zenith – target –
 * ICRS pole, i.e. the ICRS position angle of the zenith direction at the target. As
 * rubin_scheduler's `pseudo_parallactic_angle` does, a point 10″ above the target in the
 * apparent alt/az frame is carried back to ICRS (removing Earth rotation, nutation, precession
 * and aberration) and its position angle taken; the step is small enough to be the local
 * direction of the vertical, which a great circle to the ICRS image of the zenith is not
 * (aberration bends it by up to 20″).
 */
export function pseudoParallacticAngle(icrs: Equatorial, utcMjd: number, site: Site = RUBIN_SITE): number {
  const { alt, az } = horizontalOf(icrs, utcMjd, site);
  const above = icrsOfHorizontal({ alt: alt + 10 / 3600, az }, utcMjd, site);
  return wrap180(positionAngle(icrs, above));
}

// ---- Sun and Moon ----

/** Sun and Moon as opsim records them for one instant at the site. */
export interface SunMoon {
  sunRA: number;
  sunDec: number;
  sunAlt: number;
  sunAz: number;
  moonRA: number;
  moonDec: number;
  moonAlt: number;
  moonAz: number;
  /** rubin_scheduler's `moonPhase`: the Sun–Moon separation of the RA/Dec above, as a percentage of 180°. */
  moonPhase: number;
  /** The illuminated fraction of the Moon's disc, 0–1 (kept as a non-opsim column). */
  moonIllumination: number;
}

/**
 * Sun and Moon at a UTC MJD as rubin_scheduler's almanac has them (its generator,
 * site_models/generate_sun_moon_pos.py: astropy `get_sun(t)`, `get_body("moon", t)` with `t`
 * carrying the site's location): RA/Dec apparent in ICRS axes (light time and aberration
 * applied), the Sun's geocentric, the Moon's **topocentric** (astropy's get_body takes the
 * observer from the time: the Moon's parallax, up to 1°, included); alt/az topocentric;
 * moonPhase the separation of those two RA/Dec.
 */
export function sunMoonPositions(utcMjd: number, site: Site = RUBIN_SITE): SunMoon {
  const time = astroTime(utcMjd);
  const observer = observerAt(site);
  const geocentric = (body: Astronomy.Body) => equatorialOfVector(Astronomy.GeoVector(body, time, true));
  const horizontal = (body: Astronomy.Body): Horizontal => {
    const ofDate = Astronomy.Equator(body, time, observer, true, true);
    const { altitude, azimuth } = Astronomy.Horizon(time, observer, ofDate.ra, ofDate.dec);
    return { alt: altitude, az: wrap360(azimuth) };
  };
  const sun = geocentric(Astronomy.Body.Sun);
  const moonTopocentric = Astronomy.Equator(Astronomy.Body.Moon, time, observer, false, true);
  const moon = { ra: wrap360(moonTopocentric.ra * 15), dec: moonTopocentric.dec };
  const [sunHorizontal, moonHorizontal] = [horizontal(Astronomy.Body.Sun), horizontal(Astronomy.Body.Moon)];
  return {
    sunRA: sun.ra,
    sunDec: sun.dec,
    sunAlt: sunHorizontal.alt,
    sunAz: sunHorizontal.az,
    moonRA: moon.ra,
    moonDec: moon.dec,
    moonAlt: moonHorizontal.alt,
    moonAz: moonHorizontal.az,
    moonPhase: (separation(sun, moon) / 180) * 100,
    moonIllumination: Astronomy.Illumination(Astronomy.Body.Moon, time).phase_fraction,
  };
}

/** Airmass from altitude (degrees): rubin_scheduler's fallback, a spherical-shell model. */
export function airmassOfAltitude(altitude: number): number {
  const cosZd = Math.cos((90 - altitude) * RAD);
  return Math.sqrt((470 * cosZd) ** 2 + 941) - 470 * cosZd;
}
