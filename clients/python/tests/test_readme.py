"""The ```python blocks of clients/python/README.md run, in order and in one namespace (as a user
pastes them into a notebook), against a real stack: README and client cannot drift apart.

A block preceded by ``<!-- not run: REASON -->`` is only compiled (it needs what a test cannot
have, e.g. USDF ConsDB); the names a user already has before the README's blocks (the outputs of
their ConsDB query and of their `sim_runner` run) come from a real opsim output (spec_data.py).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spec_data
import visitsarch

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(?P<reason>.+?)\s*-->$")
#: The blocks the test may not run, by reason: adding one to the README means adding it here.
EXPECTED_NOT_RUN = ["needs USDF ConsDB", "needs conda"]


@dataclass
class Block:
    line: int
    code: str
    not_run: str | None


def readme_blocks(text: str) -> list[Block]:
    blocks, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].strip() == "```")
            before = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            mark = NOT_RUN.match(before)
            blocks.append(Block(start + 1, "\n".join(lines[start:end]) + "\n", mark["reason"] if mark else None))
            index = end
        index += 1
    return blocks


def test_the_readme_blocks_compile_and_only_the_expected_ones_are_not_run():
    blocks = readme_blocks(README.read_text())
    for block in blocks:
        compile(block.code, f"{README}:{block.line}", "exec")
    assert [b.not_run for b in blocks if b.not_run] == EXPECTED_NOT_RUN
    assert sum(b.not_run is None for b in blocks) >= 5


def preamble() -> dict:
    """What the user has before the README's blocks: completed visits as query_consdb returns them
    (the first half of a real opsim night) and the outputs of a `sim_runner` run (its second half:
    `obs` is rubin_scheduler's observation array, as sim_runner returns it)."""
    from rubin_scheduler.scheduler.schedulers import CoreScheduler
    from rubin_scheduler.scheduler.surveys import BaseSurvey
    from rubin_scheduler.scheduler.utils import SchemaConverter

    completed_visits, simulated = spec_data.split_night(spec_data.read_opsim_visits())
    with warnings.catch_warnings():  # rubin_scheduler's own notices: columns this opsim version lacks, its default detailer
        warnings.simplefilter("ignore")
        obs = SchemaConverter().opsimdf2obs(simulated)
        scheduler = CoreScheduler([[BaseSurvey([], survey_name="readme", detailers=[])]], nside=32, keep_rewards=True)
    rewards, obs_rewards = spec_data.rewards_like_sim_runner(simulated)
    sim_start, sim_end = float(obs["mjd"].min()), float(obs["mjd"].max())
    return {
        "completed_visits": completed_visits,
        "last_consdb_dayobs": spec_data.day_obs(completed_visits["observationStartMJD"].max()),
        "obs": obs,
        "rewards": rewards,
        "obs_rewards": obs_rewards,
        "scheduler": scheduler,
        "sim_start": sim_start,
        "sim_end": sim_end,
        "sim_runner_kwargs": {"scheduler": scheduler, "sim_start_mjd": sim_start, "sim_duration": sim_end - sim_start, "keep_rewards": True},
    }


@pytest.fixture
def default_gateway(stack, monkeypatch, tmp_path):
    """$VISITSARCH_GATEWAY names the test stack (as `npm start` would be found), in a scratch directory."""
    monkeypatch.setenv("VISITSARCH_GATEWAY", stack.gateway)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(visitsarch, "_default", None)
    yield
    if visitsarch._default is not None:
        visitsarch._default.close()


def test_the_readme_runs_as_written(default_gateway):
    given = preamble()
    namespace = dict(given)
    ran = []
    for block in readme_blocks(README.read_text()):
        if block.not_run:
            continue
        try:
            exec(compile(block.code, f"{README}:{block.line}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"the README's block at line {block.line} failed: {type(error).__name__}: {error}\n{block.code}") from error
        ran.append(block.line)
    print(f"ran {len(ran)} README blocks; not run: {EXPECTED_NOT_RUN}")

    archive, arch_id = namespace["visit_seq_archive"], namespace["arch_id"]
    try:
        record = archive.get(arch_id)
        assert sorted(record["tags"]) == ["example", "nominal"]
        assert record["simulation"]["parent_visitseq_uuid"] == namespace["completed_arch_id"]
        assert record["simulation"]["parent_last_day_obs"] == "2025-11-01"
        assert archive.get(namespace["completed_arch_id"])["completed"] is not None
        assert arch_id in set(namespace["all_tagged"]["visitseq_uuid"].astype(str))
        # The visits came back as the opsim table of the observation array given.
        visits = namespace["visits"]
        assert len(visits) == len(given["obs"]) == 277
        np.testing.assert_allclose(visits["observationStartMJD"], given["obs"]["mjd"], rtol=0, atol=1e-9)
        pd.testing.assert_frame_equal(namespace["visits_from_h5"], visits)
        pd.testing.assert_frame_equal(archive.download(namespace["h5_arch_id"], "visits"), visits)
        # Rewards round-trip as the pair sim_runner returns, the scheduler as a CoreScheduler.
        pd.testing.assert_frame_equal(namespace["rewards"], given["rewards"])
        pd.testing.assert_series_equal(namespace["obs_rewards"], given["obs_rewards"])
        assert type(namespace["scheduler"]) is type(given["scheduler"]) and namespace["scheduler"] is not given["scheduler"]
        assert namespace["scheduler"].survey_lists[0][0].survey_name == "readme"
        assert {"altitude", "azimuth", "sky_rotation"} <= set(namespace["stats"]["value_name"])
        assert isinstance(namespace["prenight_for_night"], pd.DataFrame) and isinstance(namespace["visit_seqs"], pd.DataFrame)
    finally:
        archive.close()
