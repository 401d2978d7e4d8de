"""`pip install ./clients/python`, exactly as the READMEs say (no extras), in a fresh venv: the
install leaves nothing in the repository, and the specification's Python examples run end to end
in that environment against a real stack (spec_workflow.py), HDF5 included.

Needs the package index (or pip's cache, ~/.cache/pip, which makes a repeat install take seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from visitsarch import VisitSequenceArchive

TESTS = Path(__file__).resolve().parent
CLIENT = TESTS.parent
REPO_ROOT = CLIENT.parents[1]
CLI = REPO_ROOT / "cli" / "bin" / "visitsarch.js"


def _repository_state() -> set[str]:
    """`git status` of clients/python, untracked and ignored files included; minus the byte-code
    and pytest caches that running the tests themselves writes."""
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--", "clients/python"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return {line for line in out.splitlines() if "__pycache__/" not in line and ".pytest_cache/" not in line}


def _environment(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell with the fresh venv activated (nothing of this process's Python)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PIP_USER")}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", **extra)
    return env


class FreshInstall:
    def __init__(self, root: Path) -> None:
        self.venv = root / "venv"
        self.python = self.venv / "bin" / "python"
        before = _repository_state()
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True, capture_output=True)
        # As the README says, from the repository's root.
        install = subprocess.run(
            ["pip", "install", "./clients/python"], cwd=REPO_ROOT, env=_environment(self.venv), capture_output=True, text=True, timeout=1200,
        )
        self.seconds = time.monotonic() - started
        self.new_in_repository = _repository_state() - before
        if install.returncode != 0:
            pytest.fail(f"pip install ./clients/python failed ({install.returncode}):\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}")

    def run(self, *args: str, cwd: Path, gateway: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), *args], cwd=cwd, env=_environment(self.venv, VISITSARCH_GATEWAY=gateway), capture_output=True, text=True, timeout=600,
        )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return FreshInstall(tmp_path_factory.mktemp("fresh-install"))


def test_a_plain_install_leaves_the_repository_as_it_was(fresh):
    assert fresh.new_in_repository == set(), f"`pip install ./clients/python` left {sorted(fresh.new_in_repository)}"
    assert not (CLIENT / "build").exists()
    print(f"fresh venv and `pip install ./clients/python`: {fresh.seconds:.1f} s")


def test_a_plain_install_has_pytables_and_keeps_the_extras(fresh, tmp_path):
    probe = fresh.run(
        "-c",
        "import importlib.metadata as m, importlib.util as u, json, tables, visitsarch; "
        "print(json.dumps({'extras': m.metadata('visitsarch').get_all('Provides-Extra'), 'requires': m.requires('visitsarch'), "
        "'matplotlib': u.find_spec('matplotlib') is not None, 'stubs': u.find_spec('visitsarch.gateway.v1.gateway_service_pb2') is not None, "
        "'typed': [p.name for p in m.files('visitsarch') if p.suffix in ('.pyi', '.typed')]}))",
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert sorted(found["extras"]) == ["hdf5", "plot", "proto"]  # `visitsarch[hdf5]` still resolves (to nothing more)
    assert any(r.startswith("tables") and "extra" not in r for r in found["requires"]), found["requires"]
    assert any(r.startswith("matplotlib") and "extra == \"plot\"" in r.replace("'", '"') for r in found["requires"]), found["requires"]
    assert not found["matplotlib"]
    assert found["stubs"]
    assert "py.typed" in found["typed"] and "gateway_service_pb2.pyi" in found["typed"], found["typed"]


def test_the_specification_examples_run_in_the_fresh_environment(fresh, stack, tmp_path):
    started = time.monotonic()
    run = fresh.run(str(TESTS / "spec_workflow.py"), cwd=tmp_path, gateway=stack.gateway)
    assert run.returncode == 0, f"spec_workflow.py failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["visits"] == 277 and summary["nights"] == [0]
    assert "pip install 'visitsarch[plot]'" in summary["plot_error"], summary["plot_error"]
    assert summary["rewards_url"].endswith("rewards.h5")

    # What the fresh environment recorded, seen from here.
    with VisitSequenceArchive(stack.gateway) as archive:
        record = archive.get(summary["arch_id"])
        assert sorted(record["tags"]) == ["example", "nominal"]
        assert record["simulation"]["parent_visitseq_uuid"] == summary["completed_arch_id"]
        assert record["simulation"]["parent_last_day_obs"] == "2025-11-01"  # given as the specification's parent_last_dayobs
        assert record["simulation"]["conda_env_sha256"]
        assert sorted(archive.get(summary["visits_id"])["tags"]) == ["tag1", "tag2", "tag3"]

    # The specification's bash `visitsarch download … visits.h5`, read with pandas in the fresh environment.
    env = {**os.environ, "VISITSARCH_GATEWAY": stack.gateway}
    downloaded = tmp_path / "downloaded"
    downloaded.mkdir()
    for file_type, name in (("visits", "visits.h5"), ("rewards", "rewards.h5")):
        cli = subprocess.run(["node", str(CLI), "download", summary["arch_id"], file_type, str(downloaded / name)], env=env, capture_output=True, text=True, timeout=300)
        assert cli.returncode == 0, cli.stderr
    read = fresh.run(
        "-c",
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import pandas as pd, spec_data as d; "
        "obs = d.split_night(d.read_opsim_visits())[1]; "
        "pd.testing.assert_frame_equal(pd.read_hdf('visits.h5', 'observations'), obs); "
        "rewards, obs_rewards = d.rewards_like_sim_runner(obs); "
        "pd.testing.assert_frame_equal(pd.read_hdf('rewards.h5', 'reward_df'), rewards); "
        "pd.testing.assert_series_equal(pd.read_hdf('rewards.h5', 'obs_rewards'), obs_rewards)",
        cwd=downloaded,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    print(f"the specification's workflow in the fresh environment: {time.monotonic() - started:.1f} s")
