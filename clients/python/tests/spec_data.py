"""What a user of the specification's Python examples already has, made from a real opsim output.

Used by test_readme.py (in the project's environment) and by spec_workflow.py (in the fresh
environment of test_fresh_install.py), so it needs only what a plain `pip install ./clients/python`
installs: numpy, pandas and the standard library.

The visits are `test/data/opsim/sample_opsim.db` (a real opsim run of one night, 554 visits, from
lsst/schedview): its first half stands in for completed visits (what `query_consdb` returns,
which needs USDF ConsDB), its second half for the newly simulated ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_OPSIM_DB = REPO_ROOT / "test" / "data" / "opsim" / "sample_opsim.db"
CONFIG_URL = "https://raw.githubusercontent.com/lsst-ts/ts_config_ocs/8ed1ab/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py"


def read_opsim_visits(path: Path = SAMPLE_OPSIM_DB) -> pd.DataFrame:
    """The `observations` table of an opsim SQLite output, as `pd.read_sql` gives it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return pd.read_sql_query("SELECT * FROM observations ORDER BY observationStartMJD", connection)


def split_night(visits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(completed, simulated): the visits before and from the middle of the table."""
    middle = len(visits) // 2
    return visits.iloc[:middle].reset_index(drop=True), visits.iloc[middle:].reset_index(drop=True)


def day_obs(mjd: float) -> int:
    """The day_obs (the UTC-12h date) of an MJD, as YYYYMMDD."""
    date = dt.date(1858, 11, 17) + dt.timedelta(days=int(np.floor(mjd - 0.5)))
    return int(date.strftime("%Y%m%d"))


def rewards_like_sim_runner(visits: pd.DataFrame, visits_per_fill: int = 10) -> tuple[pd.DataFrame, pd.Series]:
    """`rewards, obs_rewards` shaped as rubin_scheduler's `sim_runner(..., record_rewards=True)`
    returns them: `reward_df`, one row per basis function of each survey each time the queue was
    filled (index list_index, survey_index; the scheduler's `queue_reward_df` columns), and
    `obs_rewards`, a Series from each visit's mjd to the `queue_fill_mjd_ns` that chose it."""
    mjd = visits["observationStartMJD"].to_numpy()
    fills = mjd[::visits_per_fill]
    fill_ns = np.round(fills * 86400e9).astype(np.int64)
    basis_functions = ["M5DiffBasisFunction", "FootprintBasisFunction", "SlewtimeBasisFunction"]
    surveys = sorted(set(visits["scheduler_note"].astype(str).str.split(",").str[0]))[:3]
    rng = np.random.default_rng(2025)
    rows = []
    for start, fill in zip(fills, fill_ns):
        for survey_index, survey in enumerate(surveys):
            for basis_function in basis_functions:
                rows.append(
                    {
                        "list_index": 0,
                        "survey_index": survey_index,
                        "survey_label": survey,
                        "basis_function": basis_function,
                        "feasible": bool(rng.random() > 0.1),
                        "max_basis_reward": float(rng.normal()),
                        "basis_area": float(rng.uniform(0, 2000)),
                        "basis_weight": float(rng.choice([1.0, 3.0, 6.0])),
                        "max_accum_reward": float(rng.normal()),
                        "accum_area": float(rng.uniform(0, 2000)),
                        "queue_start_mjd": float(start),
                        "queue_fill_mjd_ns": int(fill),
                    }
                )
    reward_df = pd.DataFrame(rows).set_index(["list_index", "survey_index"])
    obs_rewards = pd.Series(np.repeat(fill_ns, visits_per_fill)[: len(mjd)], index=pd.Index(mjd, name="mjd"), name="queue_fill_mjd_ns")
    return reward_df, obs_rewards


@dataclasses.dataclass
class StandIn:
    """A picklable object standing in for sim_runner's scheduler or observatory where rubin_scheduler
    is not installed (its module is importable wherever this file is, so it unpickles there)."""

    name: str
    nside: int = 32
