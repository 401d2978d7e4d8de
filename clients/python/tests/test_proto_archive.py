"""The upstream's prototype archive: export_sim_to_prototype_sim_archive and import_sim_from_prototype_sim_archive."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pandas as pd
import pytest

import visitsarch
from visitsarch import DataLossError, NotFoundError, VisitSequenceArchive

from test_archive import opsim_frame

yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def archive(stack):
    with VisitSequenceArchive(stack.gateway) as connection:
        yield connection


def test_round_trip_keeps_label_tags_dates_creation_time_and_files(archive, tmp_path):
    frame = opsim_frame(120)
    rewards = tmp_path / "rewards.h5"
    rewards.write_bytes(bytes(range(256)) * 20)
    source = archive.add_simulation(
        frame, label="python round trip", tags=["prenight", "ideal"], first_day_obs="2025-10-31", last_day_obs="2025-11-02",
        creation_time=dt.datetime(2025, 10, 30, 20, 15, tzinfo=dt.timezone.utc), scheduler_version="3.18.1",
    )
    archive.add_file(source, "rewards", rewards)
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    proto = tmp_path / "proto"

    url = archive.export_sim_to_prototype_sim_archive(source, str(proto))
    assert url == f"{(proto / today / '1').as_uri()}/"
    entry = proto / today / "1"
    assert sorted(p.name for p in entry.iterdir()) == ["opsim.db", "rewards.h5", "sim_metadata.yaml"]
    metadata = yaml.safe_load((entry / "sim_metadata.yaml").read_text())
    assert metadata["simulated_dates"] == {"first": "2025-10-31", "last": "2025-11-02"}
    assert metadata["files"]["rewards"]["md5"] == hashlib.md5(rewards.read_bytes()).hexdigest()
    assert metadata["files"]["observations"]["md5"] == hashlib.md5((entry / "opsim.db").read_bytes()).hexdigest()
    with sqlite3.connect(entry / "opsim.db") as connection:
        assert len(pd.read_sql("SELECT * FROM observations", connection)) == len(frame)
    # Never overwritten: the next export takes the next index.
    assert archive.export_sim_to_prototype_sim_archive(source, proto.as_uri()) == f"{(proto / today / '2').as_uri()}/"

    copy = archive.import_sim_from_prototype_sim_archive(None, today, 1, str(proto))
    original, imported = archive.get(source), archive.get(copy)
    for field in ("visitseq_label", "telescope", "first_day_obs", "last_day_obs", "creation_time"):
        assert (field, imported.get(field)) == (field, original.get(field))
    # The same visits; opsim SQLite keeps 64-bit types only (float32 comes back as float64), so the
    # canonical hash of a table with narrower columns changes, as it would upstream.
    pd.testing.assert_frame_equal(archive.download(copy, "visits"), archive.download(source, "visits"), check_dtype=False)
    assert imported["simulation"]["scheduler_version"] == "3.18.1"
    assert sorted(imported["tags"]) == ["from_prototype_sim_archive", "ideal", "prenight"]
    assert list(archive.comments(copy)["comment"]) == [f"Imported from prototype sim_archive {today}, 1"]
    assert archive.download(copy, "rewards") == rewards.read_bytes()
    # The module-level function is the same.
    assert visitsarch.import_sim_from_prototype_sim_archive is not None


def test_import_refuses_a_missing_entry_or_yaml_and_a_wrong_md5(archive, tmp_path):
    entry = tmp_path / "2026-01-02" / "1"
    entry.mkdir(parents=True)
    with pytest.raises(NotFoundError, match="no simulation in the prototype archive"):
        archive.import_sim_from_prototype_sim_archive(None, "2026-01-02", 9, str(tmp_path))
    with pytest.raises(NotFoundError, match="no simulation metadata"):
        archive.import_sim_from_prototype_sim_archive(None, "2026-01-02", 1, str(tmp_path))
    opsim_frame(10).to_sql("observations", sqlite3.connect(entry / "opsim.db"), index=False)
    (entry / "sim_metadata.yaml").write_text(yaml.safe_dump({"label": "tampered", "files": {"observations": {"name": "opsim.db", "md5": "0" * 32}}}))
    with pytest.raises(DataLossError, match="has MD5 [0-9a-f]{32}, but sim_metadata.yaml records 0{32}"):
        archive.import_sim_from_prototype_sim_archive(None, "2026-01-02", 1, tmp_path.as_uri())


def test_import_reads_an_entry_of_an_s3_prototype_archive(archive, tmp_path, s3_server, monkeypatch):
    """The upstream's prototype archive lives in S3 (s3://rubin:rubin-scheduler-prenight/opsim/)."""
    import pyarrow.fs as pafs

    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server["endpoint"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server["access"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server["secret"])
    frame = opsim_frame(40)
    source = archive.add_simulation(frame, label="from s3", tags=["prenight"])
    rewards = tmp_path / "rewards.h5"
    rewards.write_bytes(b"rewards of the night")
    archive.add_file(source, "rewards", rewards)
    local = tmp_path / "proto"
    entry_url = archive.export_sim_to_prototype_sim_archive(source, str(local))
    entry = local / entry_url.rstrip("/").split("/")[-2] / "1"
    # The entry as the upstream's S3 archive holds it: its YAML names each file by its s3:// URL.
    s3 = s3_server["filesystem"]
    s3.create_dir("proto")
    date = entry.parent.name
    metadata = yaml.safe_load((entry / "sim_metadata.yaml").read_text())
    for file in metadata["files"].values():
        file["url"] = f"s3://proto/opsim/{date}/1/{file['name']}"
    (entry / "sim_metadata.yaml").write_text(yaml.safe_dump(metadata))
    for path in entry.iterdir():
        pafs.copy_files(str(path), f"proto/opsim/{date}/1/{path.name}", source_filesystem=pafs.LocalFileSystem(), destination_filesystem=s3)

    copy = archive.import_sim_from_prototype_sim_archive(None, date, 1, "s3://proto/opsim/")
    assert archive.get(copy)["visitseq_label"] == "from s3"
    pd.testing.assert_frame_equal(archive.download(copy, "visits"), archive.download(source, "visits"), check_dtype=False)
    assert archive.download(copy, "rewards") == b"rewards of the night"
    with pytest.raises(NotFoundError, match=f"no simulation metadata at s3://proto/opsim/{date}/2/sim_metadata.yaml"):
        archive.import_sim_from_prototype_sim_archive(None, date, 2, "s3://proto/opsim/")
    # A damaged object is refused by its MD5, as a local one is.
    s3.delete_file(f"proto/opsim/{date}/1/opsim.db")
    with s3.open_output_stream(f"proto/opsim/{date}/1/opsim.db") as out:
        out.write(b"not the file the YAML describes")
    with pytest.raises(DataLossError, match=f"s3://proto/opsim/{date}/1/opsim.db has MD5"):
        archive.import_sim_from_prototype_sim_archive(None, date, 1, "s3://proto/opsim/")
    with pytest.raises(visitsarch.InvalidArgumentError, match="export_proto"):
        archive.export_sim_to_prototype_sim_archive(source, "s3://proto/opsim/")
