"""adopt_visits: the visits of a sequence recorded without them (e.g. by import_upstream)."""

from __future__ import annotations


import pandas as pd
import pytest
from google.protobuf import field_mask_pb2

from visitsarch import VisitSequenceArchive
from visitsarch.gateway.v1 import gateway_service_pb2 as gw
from visitsarch.metadata.v1 import metadata_service_pb2 as md
from visitsarch.metadata.v1 import visit_sequence_pb2 as vs

from test_archive import opsim_frame

UPSTREAM_HASH = bytes.fromhex("ab" * 32)


@pytest.fixture(scope="module")
def archive(stack):
    with VisitSequenceArchive(stack.gateway) as connection:
        yield connection


def as_imported(archive: VisitSequenceArchive, frame: pd.DataFrame, url: str | None = None) -> str:
    """A metadata-only sequence with an unreproducible hash, as import_upstream leaves one."""
    uuid = archive.add_simulation(frame, label="as imported", archive="")
    sequence = vs.VisitSequence(visitseq_uuid=uuid, visitseq_sha256=UPSTREAM_HASH, visitseq_url=url)
    paths = ["visitseq_sha256"] + (["visitseq_url"] if url else [])
    archive._call("UpdateVisitSequence", md.UpdateVisitSequenceRequest(visit_sequence=sequence, update_mask=field_mask_pb2.FieldMask(paths=paths)))
    return uuid


def test_adopt_visits_from_a_dataframe_records_the_canonical_hash_and_serves_them_by_flight(archive):
    frame = opsim_frame(120)
    uuid = as_imported(archive, frame)
    adopted = archive.adopt_visits(uuid, frame)
    assert adopted["previous_visitseq_sha256"] == UPSTREAM_HASH.hex()
    assert adopted["visitseq_sha256"] == archive.visits_sha256(frame)
    assert adopted["row_count"] == len(frame)
    record = archive.get(uuid)
    assert record["visitseq_url"] == adopted["visitseq_url"]
    endpoint = archive._call("GetVisitsFlightEndpoint", gw.GetVisitsFlightEndpointRequest(visitseq_uuid=uuid))
    assert endpoint.ticket
    pd.testing.assert_frame_equal(archive.download(uuid, "visits"), frame)
    assert len(archive.nightly_stats(uuid, columns=["altitude"], store=False)) > 0
    with pytest.raises(Exception, match="already stored"):
        archive.adopt_visits(uuid, frame)


def test_adopt_visits_defaults_to_the_local_file_of_the_visitseq_url(archive, tmp_path):
    frame = opsim_frame(60)
    path = tmp_path / "visits.parquet"
    frame.to_parquet(path)
    uuid = as_imported(archive, frame, url=path.as_uri())
    adopted = archive.adopt_visits(uuid)
    assert adopted["visitseq_sha256"] == archive.visits_sha256(frame)
    pd.testing.assert_frame_equal(archive.download(uuid, "visits"), frame)
    elsewhere = as_imported(archive, frame, url="s3://rubin:bucket/visits.h5")
    with pytest.raises(ValueError, match="not a file on this machine"):
        archive.adopt_visits(elsewhere)


def test_adopt_visits_in_place_registers_the_object_where_it_is_and_verifies_every_read(archive, stack):
    frame = opsim_frame(80)
    # An upstream's visits.h5 inside the archive's own root (the stack's file:// archive).
    upstream = stack.home / "archive" / "upstream" / "visits.h5"
    upstream.parent.mkdir(parents=True, exist_ok=True)
    frame.to_hdf(upstream, key="observations")
    uuid = as_imported(archive, frame, url=upstream.as_uri())
    adopted = archive.adopt_visits(uuid, in_place=True)
    assert adopted["visitseq_url"] == upstream.as_uri()
    assert adopted["previous_visitseq_sha256"] == UPSTREAM_HASH.hex()
    assert adopted["row_count"] == len(frame)
    record = archive.get(uuid)
    assert record["visitseq_url"] == upstream.as_uri()
    assert record["visitseq_sha256"] == adopted["visitseq_sha256"]
    pd.testing.assert_frame_equal(archive.download(uuid, "visits"), frame, check_dtype=False)
    with pytest.raises(ValueError, match="give no visits"):
        archive.adopt_visits(uuid, frame, in_place=True)
    # The object changed behind the archive's back: every read fails instead of returning it.
    damaged = bytearray(upstream.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    upstream.write_bytes(bytes(damaged))
    with pytest.raises(Exception, match="(?i)sha-256|data loss|damaged"):
        archive.download(uuid, "visits")
