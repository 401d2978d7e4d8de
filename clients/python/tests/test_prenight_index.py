"""visitsarch.make_prenight_index against a real stack: the file the upstream's make-prenight-index
writes (same path, keys and selection), identical in content to what `visitsarch make_prenight_index`
writes. (The comparison with the upstream's own function is in test/cli-prenight-index.spec.ts.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import visitsarch
from visitsarch import VisitSequenceArchive

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_OPSIM_DB = REPO_ROOT / "test" / "data" / "opsim" / "sample_opsim.db"  # visits of the night 2025-11-01


@pytest.fixture(scope="module")
def archive(stack):
    with VisitSequenceArchive(stack.gateway) as connection:
        yield connection


def test_make_prenight_index_writes_the_upstream_layout_and_the_clis_content(archive, stack, tmp_path):
    prenight = archive.add_simulation(str(SAMPLE_OPSIM_DB), label="a pre-night", first_day_obs="2025-10-31", last_day_obs="2025-11-02", config_url="https://example.org/c.py")
    archive.tag(prenight, ["prenight", "nominal"])
    archive.comment(prenight, "looks fine")
    other = archive.add_simulation(str(SAMPLE_OPSIM_DB), label="not tagged prenight")

    url = visitsarch.make_prenight_index(20251101, "simonyi", destination=f"file://{tmp_path}/py/", archive=archive)
    path = tmp_path / "py" / "simonyi" / "2025" / "11" / "simonyi_prenights_for_2025-11-01.json"
    assert url == f"file://{path}"
    index = json.loads(path.read_text())
    assert prenight in index and other not in index
    entry = index[prenight]
    assert list(entry) == [
        "sim_creation_day_obs", "daily_id", "visitseq_label", "visitseq_url", "telescope", "first_day_obs", "last_day_obs", "creation_time",
        "scheduler_version", "config_url", "sim_runner_kwargs", "conda_env_sha256", "parent_visitseq_uuid", "parent_last_day_obs", "tags", "comments", "files", "stats",
    ]
    assert entry["tags"] == ["nominal", "prenight"] and entry["config_url"] == "https://example.org/c.py"
    assert list(entry["comments"].values()) == ["looks fine"] and entry["stats"] is None

    cli = subprocess.run(
        ["node", str(REPO_ROOT / "cli" / "dist" / "main.js"), "make_prenight_index", "2025-11-01", "simonyi", "--destination", f"file://{tmp_path}/cli/"],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "VISITSARCH_GATEWAY": stack.gateway, "VISITSARCH_TOKEN": stack.token}, capture_output=True, text=True, check=True,
    )
    assert cli.stdout == f"file://{tmp_path}/cli/simonyi/2025/11/simonyi_prenights_for_2025-11-01.json\n"
    assert json.loads(Path(cli.stdout.strip().removeprefix("file://")).read_text()) == index

    # Another night (month 8: not zero-padded, as upstream) with nothing on it: an empty object.
    empty = visitsarch.make_prenight_index("2024-08-13", "auxtel", destination=f"file://{tmp_path}/py", archive=archive)
    assert empty.endswith("/py/auxtel/2024/8/auxtel_prenights_for_2024-08-13.json")
    assert json.loads(Path(empty.removeprefix("file://")).read_text()) == {}


def test_make_prenight_index_refuses_bad_input(archive, tmp_path):
    with pytest.raises(visitsarch.InvalidArgumentError, match="telescope"):
        visitsarch.make_prenight_index("2025-11-01", "lsst", destination=f"file://{tmp_path}/", archive=archive)
    with pytest.raises(visitsarch.InvalidArgumentError, match="day_obs"):
        visitsarch.make_prenight_index("2025-11-01'; --", "simonyi", destination=f"file://{tmp_path}/", archive=archive)
    with pytest.raises(visitsarch.InvalidArgumentError, match="destination"):
        visitsarch.make_prenight_index("2025-11-01", "simonyi", destination=f"{tmp_path}/", archive=archive)
    assert not any(tmp_path.iterdir())
