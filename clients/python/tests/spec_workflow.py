"""The specification's Python examples end to end, as a user runs them after a plain
`pip install ./clients/python` (no extras).

Run by test_fresh_install.py with the fresh environment's python, in a scratch directory:
``python spec_workflow.py``, with ``VISITSARCH_GATEWAY`` naming the archive. It fails (an
exception, exit code 1) at the first step that does not work, and prints a JSON summary of what
it recorded as its last line of output.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import visitsarch
from visitsarch import VisitSequenceArchive, VisitsSequenceArchive

import spec_data  # beside this file (the script's directory is first on sys.path)


def conda_list_json() -> str:
    """This environment in the format of `conda list --json` (as it lists pip packages): what
    `save_env` records, given explicitly since a plain venv has no conda."""
    return json.dumps(
        [
            {"name": d.metadata["Name"].lower(), "version": d.version, "channel": "pypi", "base_url": "https://pypi.org/", "platform": "pypi", "dist_name": f"{d.metadata['Name'].lower()}-{d.version}-pypi_0", "build_number": 0, "build_string": "pypi_0"}
            for d in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"].lower())
        ]
    )


def main() -> dict:
    assert Path(visitsarch.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), f"visitsarch imported from {visitsarch.__file__}, not from the fresh environment {sys.prefix}"
    completed_visits, obs = spec_data.split_night(spec_data.read_opsim_visits())

    # "Query the consdb and add the results to the archive": query_consdb needs USDF ConsDB, so the
    # completed visits are recorded as it would record them.
    visit_seq_archive = VisitSequenceArchive()
    last_consdb_dayobs = spec_data.day_obs(completed_visits["observationStartMJD"].max())
    completed_arch_id = visit_seq_archive.add_completed(completed_visits, label="Here are some completed visits.", telescope="simonyi", last_day_obs=last_consdb_dayobs)

    # "Run a simulation and add it to the archive", with sim_runner's outputs made from the real run.
    scheduler, observatory = spec_data.StandIn("scheduler"), spec_data.StandIn("observatory")
    rewards, obs_rewards = spec_data.rewards_like_sim_runner(obs)
    sim_start, sim_end = float(obs["observationStartMJD"].min()), float(obs["observationStartMJD"].max())
    sim_runner_kwargs = {
        "observatory": observatory,
        "scheduler": scheduler,
        "band_scheduler": None,
        "sim_start_mjd": sim_start,
        "sim_duration": sim_end - sim_start,
        "keep_rewards": True,
    }
    visit_seq_archive = VisitsSequenceArchive()  # the specification spells it both ways
    arch_id = visit_seq_archive.add_simulation(
        visits=obs,
        label="This is my example simulation.",
        telescope="simonyi",
        first_day_obs=sim_start,
        last_day_obs=sim_end,
        scheduler_version="unknown",  # rubin_scheduler.__version__ where it is installed
        config_url=spec_data.CONFIG_URL,
        sim_runner_args=sim_runner_kwargs,
        parent_visitseq_uuid=completed_arch_id,
        parent_last_dayobs=last_consdb_dayobs,
    )
    visit_seq_archive.tag(arch_id, ["example", "nominal"])
    env_sha256 = visit_seq_archive.save_env(arch_id, conda_list_json=conda_list_json())
    rewards_url = visit_seq_archive.add_file(arch_id, "rewards", [rewards, obs_rewards])
    visit_seq_archive.add_file(arch_id, "scheduler", scheduler)
    visit_seq_archive.add_file(arch_id, "observatory", observatory)

    # "Adding a simulation", module-level, from an HDF5 file of visits (pandas' to_hdf: PyTables).
    obs.to_hdf("visits.h5", key="observations")
    visits_id = visitsarch.add_simulation(
        "visits.h5",
        label="the visits I just simulated",
        telescope="simonyi",
        config_url=spec_data.CONFIG_URL,
        sim_runner_args=sim_runner_kwargs,
    )
    visitsarch.tag(visits_id, ["tag1", "tag2", "tag3"])
    visitsarch.comment(visits_id, "This is more of a question that a comment...")
    rewards.to_hdf("myrewards.h5", key="reward_df")  # as rubin_sim writes rewards.h5
    obs_rewards.to_hdf("myrewards.h5", key="obs_rewards")
    visitsarch.add_file(visits_id, "rewards", "myrewards.h5")

    # "Query the simulation archive for simulations".
    all_tagged_prenight_df = visit_seq_archive.query("SELECT * FROM visitsextra WHERE tags ? 'nominal'")
    tagged = set(all_tagged_prenight_df["visitseq_uuid"].astype(str))
    assert arch_id in tagged and visits_id not in tagged, all_tagged_prenight_df
    day_obs = spec_data.day_obs(sim_start)
    prenight_for_night = visitsarch.prenight_sims(day_obs)
    assert isinstance(prenight_for_night, pd.DataFrame)
    visit_seqs = visitsarch.query_night(day_obs, "simonyi", "2025-08-12", columns=["id", "label", "visitseq_url"], tags=["example", "nominal"])
    covering = set(visit_seqs["id"].astype(str))
    assert arch_id in covering and visits_id not in covering and completed_arch_id not in covering, visit_seqs

    # "Getting data from the archive".
    visits = visit_seq_archive.download(arch_id, "visits")
    pd.testing.assert_frame_equal(visits, obs)
    pd.testing.assert_frame_equal(visit_seq_archive.download(visits_id, "visits"), obs)
    back_rewards, back_obs_rewards = visit_seq_archive.download(arch_id, "rewards")
    pd.testing.assert_frame_equal(back_rewards, rewards)
    pd.testing.assert_series_equal(back_obs_rewards, obs_rewards)
    file_rewards, file_obs_rewards = visitsarch.download(visits_id, "rewards")
    pd.testing.assert_frame_equal(file_rewards, rewards)
    pd.testing.assert_series_equal(file_obs_rewards, obs_rewards)
    assert visit_seq_archive.download(arch_id, "scheduler") == scheduler
    assert visit_seq_archive.download(arch_id, "observatory") == observatory
    assert visitsarch.visits_sha256(visits) == visitsarch.visits_sha256(obs)

    # Plotting is the [plot] extra: without matplotlib, a plot says how to install it.
    assert importlib.util.find_spec("matplotlib") is None, "matplotlib is installed: the plain install should not bring it"
    try:
        visitsarch.plot_nightly(arch_id, "altitude")
    except ImportError as error:
        plot_error = str(error)
    else:
        raise AssertionError("plot_nightly worked without matplotlib")

    return {
        "completed_arch_id": completed_arch_id,
        "arch_id": arch_id,
        "visits_id": visits_id,
        "visits": len(visits),
        "rewards_url": rewards_url,
        "env_sha256": env_sha256,
        "plot_error": plot_error,
        "tables": importlib.metadata.version("tables"),
        "visitsarch_file": visitsarch.__file__,
        "n_rewards": len(rewards),
        "nights": sorted({int(n) for n in np.unique(visits["night"])}),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
