"""`visitsarch.get_visits(url)` returns what rubin_sim's `get_visits(url)` returns, for every format
the archive stores or exports and from file:// and s3:// URLs (docs/decisions/0017-visitseq-url-readers.md).

The visits are the real opsim output test/data/opsim/sample_opsim.db, added to a real stack (stored
in its default format, `visits.arrows`) and exported by the CLI in every format; the reference is the
upstream reader's DataFrame of the exported `visits.h5`. S3 is a real S3 server (versitygw, as the
TypeScript tests use) holding the same bytes.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pytest
from rubin_sim.maf.stackers import DayObsISOStacker
from rubin_sim.sim_archive.vseqarchive import get_visits as upstream_get_visits

import visitsarch
from visitsarch import VisitSequenceArchive

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_OPSIM_DB = REPO_ROOT / "test" / "data" / "opsim" / "sample_opsim.db"
CLI = REPO_ROOT / "cli" / "bin" / "visitsarch.js"

#: The exports of the stored sequence: file name → extra CLI options.
EXPORTS = {
    "visits.h5": [],
    "visits_table.h5": ["--hdf5-layout", "table"],
    "visits.db": [],
    "visits.parquet": [],
    "visits.arrow": [],
    "visits.arrows": [],
    "visits.csv": [],
}


def cli(gateway: str, *args: str) -> str:
    done = subprocess.run(["node", str(CLI), "--gateway", gateway, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"visitsarch {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Equal values, dtypes, column order and index (class included), exactly."""
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True, check_index_type=True, check_column_type=True)


def assert_same_but_csv_types(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """CSV carries no types (docs/visit-tables.md): float columns whose values are all whole numbers
    (written as `30`) read back as int64. Everything else is exact."""
    differ = [c for c in theirs.columns if ours[c].dtype != theirs[c].dtype]
    for c in differ:
        narrower_int = pd.api.types.is_integer_dtype(theirs[c].dtype)
        whole_float = theirs[c].dtype == np.float64 and (theirs[c] == np.round(theirs[c])).all()
        assert ours[c].dtype == np.int64 and (narrower_int or whole_float), (c, ours[c].dtype, theirs[c].dtype)
    assert_same(ours.astype({c: theirs[c].dtype for c in differ}), theirs)


@pytest.fixture(scope="module")
def stored(stack, tmp_path_factory):
    """The sample added to the archive (default storage) and exported in every format."""
    directory = tmp_path_factory.mktemp("get-visits")
    with VisitSequenceArchive(stack.gateway) as archive:
        uuid = archive.add_simulation(str(SAMPLE_OPSIM_DB), label="get_visits drop-in", telescope="simonyi")
        url = archive.get(uuid)["visitseq_url"]
    for name, options in EXPORTS.items():
        cli(stack.gateway, "download", uuid, "visits", str(directory / name), *options)
    return {"uuid": uuid, "url": url, "dir": directory, "reference": upstream_get_visits((directory / "visits.h5").as_uri())}


def test_the_visitseq_url_of_the_default_storage_reads_as_the_upstream_reads_its_h5(stored):
    # The archive's default storage is an Arrow IPC stream (decision 0010), which the upstream cannot open.
    assert stored["url"].startswith("file://") and stored["url"].endswith("/visits.arrows")
    ours = visitsarch.get_visits(stored["url"])
    assert_same(ours, stored["reference"])
    assert len(ours) == 554 and len(ours.columns) == 47
    with sqlite3.connect(SAMPLE_OPSIM_DB) as connection:  # and it is the opsim table that was added
        original = pd.read_sql_query("SELECT * FROM observations", connection)
    assert list(ours.columns) == list(original.columns)
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), original, check_exact=True)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_exported_format_reads_as_the_upstream_reads_the_h5(stored, name):
    path = stored["dir"] / name
    reference = stored["reference"]
    for spelling in (path.as_uri(), str(path), path):  # file:// URL, plain path, path-like
        ours = visitsarch.get_visits(spelling)
        if name.endswith(".csv"):
            assert_same_but_csv_types(ours, reference)
        else:
            assert_same(ours, reference)
    if name.endswith(".h5"):  # the upstream opens only HDF5; where it can, it agrees with us
        assert_same(upstream_get_visits(path.as_uri()), stored["reference"])


def test_files_written_by_pandas_read_as_the_upstream_reads_them(stored, tmp_path):
    with sqlite3.connect(SAMPLE_OPSIM_DB) as connection:
        visits = pd.read_sql_query("SELECT * FROM observations", connection)
    visits.to_hdf(tmp_path / "fixed.h5", key="observations")
    visits.to_hdf(tmp_path / "table.h5", key="observations", format="table")
    with sqlite3.connect(tmp_path / "pandas.db") as connection:
        visits.to_sql("observations", connection, index=False)
    for name in ("fixed.h5", "table.h5"):
        url = (tmp_path / name).as_uri()
        assert_same(visitsarch.get_visits(url), upstream_get_visits(url))
        assert_same(visitsarch.get_visits(url), stored["reference"])
    # opsim SQLite (the upstream's get_visits cannot open it: it reads every URL with read_hdf)
    assert_same(visitsarch.get_visits((tmp_path / "pandas.db").as_uri()), stored["reference"])
    assert_same(visitsarch.get_visits(SAMPLE_OPSIM_DB), stored["reference"])


@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.query")  # the upstream's query(inplace=True), under pandas 3.1
def test_query_and_stackers_apply_as_upstream(stored):
    arguments = dict(query="band == 'r' and airmass < 1.3", stackers=[DayObsISOStacker()])
    theirs = upstream_get_visits((stored["dir"] / "visits.h5").as_uri(), **arguments)
    ours = visitsarch.get_visits(stored["url"], **arguments)
    assert 0 < len(ours) < 554 and {"index", "day_obs_iso8601"} <= set(ours.columns)
    assert_same(ours, theirs)


def test_a_sequence_stored_as_hdf5_is_readable_by_the_upstream_at_its_visitseq_url(stack, stored):
    """The per-upload alternative: `--store_as hdf5` stores `visits.h5`, which both readers open."""
    uuid = cli(stack.gateway, "add_simulation", str(SAMPLE_OPSIM_DB), "stored as HDF5", "--store_as", "hdf5").splitlines()[-1]
    with VisitSequenceArchive(stack.gateway) as archive:
        url = archive.get(uuid)["visitseq_url"]
    assert url.endswith("/visits.h5")
    assert_same(upstream_get_visits(url), stored["reference"])
    assert_same(visitsarch.get_visits(url), stored["reference"])


def test_nulls_and_dictionaries_read_as_the_archives_hdf5_export(stack, tmp_path):
    """Columns pandas cannot hold as such (ints and bools with nulls, dictionary text) come back as
    the archive's own HDF5 export stores them, so that the upstream's reading of that export agrees."""
    mjd = 60980.1 + np.arange(6) / 24
    table = pa.table({
        "observationStartMJD": mjd,
        "night": pa.array([1, None, 1, 1, 2, 2], pa.int64()),
        "flag": pa.array([True, None, False, True, False, True]),
        "always": pa.array([True, False, False, True, False, True]),
        "band": pa.array(["g", "r", None, "r", "i", ""]).dictionary_encode(),
        "note": pa.array(["a", None, "", "d, e", 'say "hi"', "f"]),
        "count": pa.array([1, 2, 3, 4, 5, 6], pa.int32()),
    })
    with VisitSequenceArchive(stack.gateway) as archive:
        uuid = archive.add_simulation(table, label="nulls and dictionaries", telescope="simonyi")
        url = archive.get(uuid)["visitseq_url"]
    for name in ("visits.h5", "visits.parquet", "visits.csv"):
        cli(stack.gateway, "download", uuid, "visits", str(tmp_path / name))
    theirs = upstream_get_visits((tmp_path / "visits.h5").as_uri())
    assert theirs["night"].dtype == np.float64 and theirs["flag"].dtype == np.float64 and theirs["always"].dtype == np.bool_
    assert_same(visitsarch.get_visits(url), theirs)
    assert_same(visitsarch.get_visits(tmp_path / "visits.parquet"), theirs)
    ours_csv = visitsarch.get_visits(tmp_path / "visits.csv")
    assert ours_csv["note"].tolist()[:3] == ["a", ours_csv["note"][1], ""] and pd.isna(ours_csv["note"][1])  # "" stays text, null stays null
    assert_same_but_csv_types(ours_csv, theirs)


def test_unreadable_urls_fail_clearly(tmp_path):
    (tmp_path / "notes.txt").write_text("not visits")
    with pytest.raises(ValueError, match="not a visits file"):
        visitsarch.get_visits(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError):
        visitsarch.get_visits((tmp_path / "missing.arrows").as_uri())
    with pytest.raises(ValueError, match="not https://"):
        visitsarch.get_visits("https://example.org/visits.h5")
    with pytest.raises(ValueError, match="no host"):
        visitsarch.get_visits("file://elsewhere/data/visits.h5")


# -- s3:// against a real S3 server ------------------------------------------------------------


def test_s3_urls_read_as_the_same_files_do(stored, s3_server, monkeypatch):
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server["endpoint"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server["access"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server["secret"])
    uploader = s3_server["filesystem"]
    uploader.create_dir("archive")
    prefix = f"archive/opsim/vseq/simonyi/2025-11-01/{stored['uuid']}"
    for name in EXPORTS:
        pafs.copy_files(str(stored["dir"] / name), f"{prefix}/{name}", source_filesystem=pafs.LocalFileSystem(), destination_filesystem=uploader)
    for name in EXPORTS:
        ours = visitsarch.get_visits(f"s3://{prefix}/{name}")
        (assert_same_but_csv_types if name.endswith(".csv") else assert_same)(ours, stored["reference"])
    with pytest.raises(FileNotFoundError):
        visitsarch.get_visits(f"s3://{prefix}/missing.h5")
