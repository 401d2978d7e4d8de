"""The converter's astronomy, computed independently with astropy (and rubin_scheduler's own
astropy-based functions where it defines the quantity), for libs/consdb's accuracy test.

stdin: JSON list of {"ra", "dec" (ICRS deg), "start_tai", "middle_tai" (TAI MJDs)}.
stdout: JSON object of column name -> list of floats, in the same order.

Everything follows rubin_scheduler: the Sun and Moon as its almanac generator
(site_models/generate_sun_moon_pos.py: astropy get_sun / get_body with the site, so the Sun's
RA/Dec geocentric and the Moon's topocentric, AltAz without refraction, moon_phase = Sun-Moon separation / pi * 100), the pseudo parallactic
angle by `pseudo_parallactic_angle`, the parallactic angle by `_approx_altaz2pa` of astropy's
alt/az, LST as astropy's apparent sidereal time. Astropy uses the real UT1 (IERS data bundled
in astropy-iers-data, no download), the converter UT1 = UTC: that is part of what is measured.
"""

import json
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body, get_sun
from astropy.time import Time
from astropy.utils import iers

# The bundled tables, never a download (tests run offline); their predictions may be "old".
iers.conf.auto_download = False
iers.conf.auto_max_age = None
warnings.simplefilter("ignore")

from rubin_scheduler.utils import _angular_separation, _approx_altaz2pa, pseudo_parallactic_angle  # noqa: E402

# Rubin's site as rubin_scheduler's Site("LSST") and the converter have it.
LAT, LON, HEIGHT = -30.244628, -70.74941, 2650.0


def main() -> None:
    rows = json.load(sys.stdin)
    ra = np.array([row["ra"] for row in rows], dtype=float)
    dec = np.array([row["dec"] for row in rows], dtype=float)
    start = Time(np.array([row["start_tai"] for row in rows]), format="mjd", scale="tai")
    middle = Time(np.array([row["middle_tai"] for row in rows]), format="mjd", scale="tai")
    location = EarthLocation.from_geodetic(lon=LON * u.deg, lat=LAT * u.deg, height=HEIGHT * u.m, ellipsoid="WGS84")

    field = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
    field_start = field.transform_to(AltAz(obstime=start, location=location))
    field_middle = field.transform_to(AltAz(obstime=middle, location=location))
    para = np.degrees(_approx_altaz2pa(field_start.alt.rad, field_start.az.rad, np.radians(LAT)))
    pseudo, _, _ = pseudo_parallactic_angle(ra, dec, start.tai.mjd, lon=LON, lat=LAT, height=HEIGHT)

    frame = AltAz(obstime=middle, location=location)
    sun = get_sun(middle)
    # As the almanac generator: its times carry the site, so get_body gives the topocentric Moon.
    moon = get_body("moon", middle, location=location)
    moon_geocentric = get_body("moon", middle)
    sun_altaz = sun.transform_to(frame)
    moon_altaz = moon.transform_to(frame)
    elongation = sun.separation(moon_geocentric)
    # Illuminated fraction from the phase angle i (astroplan's moon_illumination formula).
    phase_angle = np.arctan2(sun.distance * np.sin(elongation), moon_geocentric.distance - sun.distance * np.cos(elongation))
    # moon_phase as the generator computes it: the separation of the two RA/Dec.
    moon_phase = np.degrees(_angular_separation(sun.ra.rad, sun.dec.rad, moon.ra.rad, moon.dec.rad)) / 180.0 * 100.0

    result = {
        "observationStartLST": Time(start.utc, location=location).sidereal_time("apparent").deg,
        "altitude": field_middle.alt.deg,
        "azimuth": field_middle.az.deg,
        "paraAngle": para,
        "pseudoParaAngle": pseudo,
        "sunRA": sun.ra.deg,
        "sunDec": sun.dec.deg,
        "sunAlt": sun_altaz.alt.deg,
        "sunAz": sun_altaz.az.deg,
        "moonRA": moon.ra.deg,
        "moonDec": moon.dec.deg,
        "moonAlt": moon_altaz.alt.deg,
        "moonAz": moon_altaz.az.deg,
        "moonPhase": moon_phase,
        "moon_illumination": ((1 + np.cos(phase_angle)) / 2).value,
        # Separations of the RA/Dec values, as rubin_scheduler takes them (astropy's
        # SkyCoord.separation would first move the Moon to the barycentre).
        "moonDistance": field.separation(SkyCoord(moon.ra, moon.dec, frame="icrs")).deg,
        "solarElong": field.separation(SkyCoord(sun.ra, sun.dec, frame="icrs")).deg,
    }
    json.dump({name: np.asarray(values, dtype=float).tolist() for name, values in result.items()}, sys.stdout)


if __name__ == "__main__":
    main()
