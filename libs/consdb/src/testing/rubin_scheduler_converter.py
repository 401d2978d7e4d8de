"""rubin_scheduler's own ConsDB -> opsim converter (`rubin_scheduler.utils.consdb`), run offline
on rows a test provides, for libs/consdb's agreement test (rubin-scheduler-agreement.spec.ts).

stdin: JSON {"columns": [...], "rows": [[...], ...], "day_obs": "YYYY-MM-DD", "variants": {...}}
       (ConsDB's /query answer shape). Each variant names a conversion of the same rows:
       {"instrument": "lsstcam" | "latiss", "order": [row indices] (the order ConsDB returned
       them in), "utc": bool (TAI MJDs shifted to UTC first), "pixel_scale_from_median": bool
       (a `pixel_scale` column copied from `pixel_scale_median` first)}.
stdout: JSON {"survey_start_mjd": rubin_scheduler's SURVEY_START_MJD, "version": ...,
        "variants": {name: {"columns": {opsim column: [values]}} or {"error": "..."}}}.

Offline: `ConsDBVisits.consdb_visits` (its HTTP fetch) is replaced by the DataFrame its
`query_consdb` would have built from the same answer (`pd.DataFrame(data, columns=columns)`),
and `almanac` (which reads rubin_sim_data's site_models/sun_moon.npz, a download) by a stand-in
whose `get_sun_moon_positions` computes, at the requested MJDs, exactly what that table holds:
the lines of rubin_scheduler's generator (site_models/generate_sun_moon_pos.py) -- astropy
get_sun / get_body("moon"), AltAz at Site("LSST") without refraction, the MJD read as UTC,
moon_phase = Sun-Moon separation / pi * 100 -- instead of its hourly samples interpolated.
Everything else is rubin_scheduler's code as installed.
"""

import json
import sys
import warnings

import numpy as np
import pandas as pd
from astropy.coordinates import AltAz, EarthLocation, get_body, get_sun
from astropy.time import Time
from astropy.utils import iers

# The bundled IERS tables, never a download (tests run offline).
iers.conf.auto_download = False
iers.conf.auto_max_age = None
warnings.simplefilter("ignore")

import rubin_scheduler  # noqa: E402
from rubin_scheduler.utils import SURVEY_START_MJD, Site, _angular_separation  # noqa: E402
from rubin_scheduler.utils.consdb import LATISSConsDBVisits, LSSTCamConsDBVisits  # noqa: E402

TAI_MINUS_UTC_DAYS = 37 / 86400


class GeneratorAlmanac:
    """rubin_scheduler's Almanac.get_sun_moon_positions, from its table generator's own lines."""

    def get_sun_moon_positions(self, mjd):
        site = Site("LSST")
        location = EarthLocation(lat=site.latitude, lon=site.longitude, height=site.height)
        t = Time(np.asarray(mjd, dtype=float), format="mjd", location=location)
        sun = get_sun(t)
        aa = AltAz(location=location, obstime=t)
        sun_aa = sun.transform_to(aa)
        moon = get_body("moon", t)
        moon_aa = moon.transform_to(aa)
        return {
            "sun_RA": sun.ra.rad,
            "sun_dec": sun.dec.rad,
            "sun_alt": sun_aa.alt.rad,
            "sun_az": sun_aa.az.rad,
            "moon_RA": moon.ra.rad,
            "moon_dec": moon.dec.rad,
            "moon_alt": moon_aa.alt.rad,
            "moon_az": moon_aa.az.rad,
            "moon_phase": _angular_separation(sun.ra.rad, sun.dec.rad, moon.ra.rad, moon.dec.rad) / np.pi * 100.0,
        }


CONVERTERS = {"lsstcam": LSSTCamConsDBVisits, "latiss": LATISSConsDBVisits}


def convert(columns, rows, day_obs, variant):
    frame = pd.DataFrame([rows[i] for i in variant["order"]], columns=columns)
    if variant.get("utc"):
        for name in ("obs_start_mjd", "exp_midpt_mjd", "obs_end_mjd"):
            frame[name] = frame[name] - TAI_MINUS_UTC_DAYS
    if variant.get("pixel_scale_from_median"):
        frame["pixel_scale"] = frame["pixel_scale_median"]
    visits = CONVERTERS[variant["instrument"]](day_obs=day_obs)
    # cached_property reads the instance __dict__ first: the fetch and the almanac are replaced,
    # every conversion property is rubin_scheduler's.
    visits.__dict__["consdb_visits"] = frame
    visits.__dict__["almanac"] = GeneratorAlmanac()
    opsim = visits.opsim
    out = {}
    for name in opsim.columns:
        values = opsim[name]
        if name == "start_date":
            continue
        if pd.api.types.is_numeric_dtype(values.dtype):
            out[name] = [float(v) if np.isfinite(v) else None for v in values.astype(float)]
        else:
            out[name] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]
    return {"columns": out}


def main() -> None:
    request = json.load(sys.stdin)
    result = {"survey_start_mjd": SURVEY_START_MJD, "version": rubin_scheduler.__version__, "variants": {}}
    for name, variant in request["variants"].items():
        try:
            result["variants"][name] = convert(request["columns"], request["rows"], request["day_obs"], variant)
        except Exception as error:  # reported to the test, which decides whether it is expected
            result["variants"][name] = {"error": f"{type(error).__name__}: {error}"}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
