"""query_consdb against a test ConsDB: a real PostgreSQL with the published ConsDB schema and
its HTTP API (libs/consdb/serve-test-consdb.js), behind a stack whose consdb-ingest service
is configured to use it."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import types
from unittest import mock

import numpy as np
import pytest
from conftest import REPO_ROOT, Stack

import visitsarch
from visitsarch import VisitSequenceArchive, _consdb
from visitsarch.gateway.v1 import gateway_service_pb2 as gw

SERVE = REPO_ROOT / "libs" / "consdb" / "serve-test-consdb.js"

# The specification's Python example (docs: "Get completed visits from the consdb"), verbatim
# except for the comma missing after `endpoint=visitsarch.USDF_CONSDB`, without which it is
# not Python.
SPEC_EXAMPLE = textwrap.dedent(
    """
    last_consdb_dayobs=20250820
    visits, completed_arch_id = visits_seq_archive.query_consdb(
        query=visitsarch.SIMONYI_SCIENCE_CONSDB_QUERY,
        label="Here is are same visits to the consdb.",
        telescope="simonyi",
        last_dayobs=last_consdb_dayobs,
        endpoint=visitsarch.USDF_CONSDB,
        archive=visitsarch.USDF_OPSIM_ARCHIVE
    )
    """
)


@pytest.fixture(scope="module")
def consdb():
    """The test ConsDB, with its Simonyi nights ending on the spec example's last_dayobs."""
    process = subprocess.Popen(
        ["node", str(SERVE), "--simonyi-first-dayobs", "20250818"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO_ROOT
    )
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        raise RuntimeError("the test ConsDB did not start")
    yield json.loads(line)
    process.stdin.close()
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def consdb_stack(consdb, tmp_path_factory):
    token_file = tmp_path_factory.mktemp("consdb-token") / "token"
    token_file.write_text(consdb["token"] + "\n")
    settings = {"CONSDB_URL": consdb["api_url"], "CONSDB_ALLOWED_ENDPOINTS": consdb["database_url"], "ACCESS_TOKEN_FILE": str(token_file)}
    with mock.patch.dict(os.environ, settings):
        running = Stack()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def archive(consdb_stack):
    with VisitSequenceArchive(consdb_stack.gateway) as connection:
        yield connection


def spec_namespace(archive: VisitSequenceArchive, consdb: dict, stack: Stack) -> dict:
    """What the example refers to: the archive as `visits_seq_archive` (its `query_consdb`
    wired as VisitSequenceArchive's method is to be: the spec's `archive=` is the archive URL),
    and a `visitsarch` whose USDF names point at the test ConsDB and the stack's archive."""

    def query_consdb(archive_url=None, **kwargs):
        return _consdb.query_consdb(archive, archive_url=archive_url, **kwargs)

    client = types.SimpleNamespace(query_consdb=lambda archive=None, **kwargs: query_consdb(archive_url=archive, **kwargs))
    module = types.SimpleNamespace(
        SIMONYI_SCIENCE_CONSDB_QUERY=_consdb.SIMONYI_SCIENCE_CONSDB_QUERY,
        USDF_CONSDB=consdb["api_url"],
        USDF_OPSIM_ARCHIVE=(stack.home / "archive").as_uri() + "/",
    )
    return {"visits_seq_archive": client, "visitsarch": module}


def opsim_columns() -> list[str]:
    """The columns of an opsim database, in order, as the installed rubin_scheduler writes them."""
    from rubin_scheduler.scheduler.utils import ObservationArray, SchemaConverter

    return list(SchemaConverter().obs2opsim(ObservationArray(1)).columns)


def test_default_queries_are_the_servers(archive):
    for telescope, query in [("simonyi", _consdb.SIMONYI_SCIENCE_CONSDB_QUERY), ("auxtel", _consdb.AUXTEL_SCIENCE_CONSDB_QUERY)]:
        assert archive._call("GetDefaultConsdbQuery", gw.GetDefaultConsdbQueryRequest(telescope=telescope)).query == query


def test_spec_python_example(archive, consdb, consdb_stack):
    namespace = spec_namespace(archive, consdb, consdb_stack)
    exec(SPEC_EXAMPLE, namespace)
    visits, uuid = namespace["visits"], namespace["completed_arch_id"]

    from rubin_scheduler.scheduler.utils import SchemaConverter

    assert len(visits) > 100
    # The 47 opsim columns, then rubin_scheduler 4.6's extinction_limit (null for taken visits).
    assert list(visits.columns[:48]) == opsim_columns()[:47] + ["extinction_limit"]
    assert visits["day_obs"].between(20250818, 20250820).all()
    assert (visits["observationId"] // 100_000 == visits["day_obs"]).all()
    obs = SchemaConverter().opsimdf2obs(visits)
    assert len(obs) == len(visits)
    assert not np.isnan(obs["pseudo_pa"]).any()
    if "extinction_limit" in obs.dtype.names:
        assert np.isnan(obs["extinction_limit"]).all()
    assert np.allclose(np.degrees(obs["RA"]), visits["fieldRA"])

    record = archive.get(uuid)
    assert record["telescope"] == "simonyi"
    assert record["last_day_obs"] == "2025-08-20"
    assert record["completed"]["query"] == _consdb.SIMONYI_SCIENCE_CONSDB_QUERY
    stored = archive.download(uuid, "visits")
    assert sorted(stored["observationId"]) == sorted(visits["observationId"])


def test_query_consdb_through_the_database_and_auxtel_metadata_only(archive, consdb):
    visits, uuid = _consdb.query_consdb(
        archive, label="AuxTel, metadata only", telescope="auxtel", last_dayobs="2025-12-02", endpoint=consdb["database_url"], archive_url=""
    )
    assert len(visits) > 0 and set(visits["band"]) <= set("ugrizy")
    record = archive.get(uuid)
    assert record["visitseq_url"] is None
    assert record["completed"]["query"] == _consdb.AUXTEL_SCIENCE_CONSDB_QUERY


def test_query_consdb_errors(archive):
    with pytest.raises(visitsarch.FailedPreconditionError, match="nonsense"):
        _consdb.query_consdb(archive, query="SELECT nonsense FROM cdb_lsstcam.visit1", label="bad", last_dayobs=20250820)
    with pytest.raises(ValueError):
        _consdb.query_consdb(archive, label="", last_dayobs=20250820)
