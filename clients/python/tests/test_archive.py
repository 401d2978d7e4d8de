"""The specification's Python API against a real stack (embedded PostgreSQL, five services)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import uuid as uuidlib
import warnings

import numpy as np
import pandas as pd
import pytest

import visitsarch
from visitsarch import VisitSequenceArchive
from visitsarch.gateway.v1 import gateway_service_pb2 as gw

CONFIG_URL = "https://raw.githubusercontent.com/lsst-ts/ts_config_ocs/8ed1ab/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py"
CONDA_LIST = json.dumps([{"name": "numpy", "version": "2.1.0", "channel": "conda-forge", "base_url": "https://conda.anaconda.org/conda-forge", "platform": "linux-64", "dist_name": "numpy-2.1.0-py311", "build_number": 0, "build_string": "py311"}])


@pytest.fixture(scope="module")
def archive(stack):
    with VisitSequenceArchive(stack.gateway) as connection:
        yield connection


def opsim_frame(n: int = 200, start_mjd: float = 60980.97) -> pd.DataFrame:
    """A small opsim-like table covering two nights, with every column type the archive sees."""
    rng = np.random.default_rng(42)
    mjd = start_mjd + np.sort(rng.uniform(0, 1.4, n))
    return pd.DataFrame(
        {
            "observationId": np.arange(n, dtype=np.int64),
            "observationStartMJD": mjd,
            "fieldRA": rng.uniform(0, 360, n),
            "fieldDec": rng.uniform(-90, 10, n),
            "altitude": rng.uniform(20, 90, n),
            "azimuth": rng.uniform(0, 360, n),
            "night": np.floor(mjd - start_mjd + 0.5).astype(np.int32),
            "band": rng.choice(list("ugrizy"), n),
            "note": [f"pair_33, {b}r, a — é" for b in rng.choice(list("ugrizy"), n)],
            "seeingFwhmEff": rng.uniform(0.5, 1.5, n).astype(np.float32),
            "flag": rng.random(n) > 0.5,
        }
    )


def observation_array(n: int = 120):
    """What rubin_scheduler's sim_runner returns: an ObservationArray (the scheduler's own schema)."""
    ObservationArray = pytest.importorskip("rubin_scheduler.scheduler.utils").ObservationArray
    obs = ObservationArray(n=n)
    rng = np.random.default_rng(3)
    obs["ID"] = np.arange(n)
    obs["mjd"] = 60981.0 + np.sort(rng.uniform(0, 0.35, n))
    obs["RA"] = np.radians(rng.uniform(0, 360, n))
    obs["dec"] = np.radians(rng.uniform(-80, 0, n))
    obs["alt"] = np.radians(rng.uniform(30, 85, n))
    obs["az"] = np.radians(rng.uniform(0, 360, n))
    obs["band"] = rng.choice(list("griz"), n)
    obs["filter"] = obs["band"]
    obs["exptime"] = 30.0
    obs["nexp"] = 2
    obs["night"] = 1
    obs["scheduler_note"] = "blob_long, gr, a"
    return obs


def test_run_a_simulation_and_add_it_to_the_archive(archive):
    """The specification's "Run a simulation and add it to the archive", with sim_runner's output."""
    completed_arch_id = archive.add_completed(opsim_frame(start_mjd=60978.97), label="completed visits", telescope="simonyi")
    last_consdb_dayobs = 20251030
    obs = observation_array()
    sim_start, sim_end = 60980.5, 60982.5
    sim_runner_kwargs = {"observatory": object(), "scheduler": object(), "sim_start_mjd": sim_start, "sim_duration": sim_end - sim_start, "keep_rewards": True}

    arch_id = archive.add_simulation(
        visits=obs,
        label="This is my example simulation.",
        telescope="simonyi",
        first_day_obs=sim_start,
        last_day_obs=sim_end,
        scheduler_version="3.10.0",
        config_url=CONFIG_URL,
        sim_runner_args=sim_runner_kwargs,
        parent_visitseq_uuid=completed_arch_id,
        parent_last_day_obs=last_consdb_dayobs,
    )
    archive.tag(arch_id, ["example", "nominal"])
    env_hash = archive.save_env(arch_id, conda_list_json=CONDA_LIST)
    rewards = pd.DataFrame({"mjd": [60981.1, 60981.2], "reward": [0.5, -1.0]})
    obs_rewards = pd.DataFrame({"mjd": [60981.1], "basis_function": ["m5_diff"], "value": [0.25]})
    archive.add_file(arch_id, "rewards", [rewards, obs_rewards])
    archive.add_file(arch_id, "scheduler", {"name": "a scheduler", "bands": ["g", "r"]})
    archive.add_file(arch_id, "observatory", ("observatory", 3))

    record = archive.get(arch_id)
    assert record["visitseq_label"] == "This is my example simulation."
    assert (record["first_day_obs"], record["last_day_obs"]) == ("2025-11-01", "2025-11-03")  # day_obs of MJD 60980.5 and 60982.5
    assert record["simulation"]["parent_visitseq_uuid"] == completed_arch_id
    assert record["simulation"]["parent_last_day_obs"] == "2025-10-30"
    args = record["simulation"]["sim_runner_args"]
    assert args["keep_rewards"] is True and args["sim_duration"] == 2.0 and args["observatory"].startswith("<object object at")
    assert sorted(record["tags"]) == ["example", "nominal"]
    assert len(env_hash) == 64

    visits = archive.download(arch_id, "visits")
    assert "observationStartMJD" in visits.columns and len(visits) == len(obs)
    back_rewards, back_obs_rewards = archive.download(arch_id, "rewards")
    pd.testing.assert_frame_equal(back_rewards, rewards)
    pd.testing.assert_frame_equal(back_obs_rewards, obs_rewards)
    assert archive.download(arch_id, "scheduler") == {"name": "a scheduler", "bands": ["g", "r"]}
    assert archive.download(arch_id, "observatory") == ("observatory", 3)


def test_dataframe_round_trip_keeps_values_and_dtypes(archive):
    frame = opsim_frame()
    uuid = archive.add_simulation(frame, label="round trip", telescope="simonyi")
    back = archive.download(uuid, "visits")
    pd.testing.assert_frame_equal(back, frame)
    some = archive.download(uuid, "visits", first_day_obs="2025-11-02", columns=["observationStartMJD", "band"])
    assert list(some.columns) == ["observationStartMJD", "band"]
    assert 0 < len(some) < len(frame)


def test_visits_come_by_arrow_flight_straight_from_the_blob_archive(archive, stack):
    import pyarrow.flight as flight

    frame = opsim_frame(300)
    uuid = archive.add_simulation(frame, label="flight", telescope="simonyi")
    endpoint = archive._call("GetVisitsFlightEndpoint", gw.GetVisitsFlightEndpointRequest(visitseq_uuid=uuid, columns=["band", "observationStartMJD"]))
    assert endpoint.location == f"grpc://{stack.addresses['BLOB_ARCHIVE_SERVICE_ADDRESS']}"
    assert endpoint.visit_sequence.visitseq_uuid == uuid
    # Plain pyarrow, no visitsarch code: the location, the ticket and the caller's token are all it needs.
    with flight.connect(endpoint.location) as client:
        options = flight.FlightCallOptions(headers=[(b"authorization", f"Bearer {stack.token}".encode())])
        read = client.do_get(flight.Ticket(endpoint.ticket), options=options).read_pandas()
    pd.testing.assert_frame_equal(read, frame[["band", "observationStartMJD"]])
    with VisitSequenceArchive(stack.gateway, flight=False) as relayed:
        pd.testing.assert_frame_equal(relayed.download(uuid, "visits"), archive.download(uuid, "visits"))


def test_an_unreachable_flight_location_falls_back_to_the_gateway(archive, monkeypatch):
    frame = opsim_frame(50)
    uuid = archive.add_simulation(frame, label="flight fallback", telescope="simonyi")
    real_call = archive._call

    def dead_location(method, request, timeout=None):
        response = real_call(method, request, timeout)
        if method == "GetVisitsFlightEndpoint":
            response.location = "grpc://127.0.0.1:1"
        return response

    monkeypatch.setattr(archive, "_call", dead_location)
    assert archive._flight_table(gw.GetVisitsFlightEndpointRequest(visitseq_uuid=uuid)) is None
    pd.testing.assert_frame_equal(archive.download(uuid, "visits"), frame)


def test_the_hash_agrees_with_the_services(archive):
    frame = opsim_frame(57)
    uuid = archive.add_simulation(frame, label="hash check", telescope="simonyi", archive="")
    record = archive.get(uuid)
    assert record["visitseq_sha256"] == visitsarch.visits_sha256(frame) == archive.visits_sha256(frame)  # hex, as visits_sha256 gives it
    assert record["visitseq_url"] is None  # metadata only
    assert record["kind"] == "simulation"


def test_queries_return_dataframes(archive):
    uuid = archive.add_simulation(opsim_frame(), label="queried", telescope="simonyi", tags=["prenight", "mytest1"])
    tagged = archive.query("SELECT * FROM visitsextra WHERE tags ? 'mytest1'")
    assert uuid in set(tagged["visitseq_uuid"])
    night = archive.query_night(20251101, "simonyi", earliest_sim=dt.date(2025, 1, 1), columns=["id", "label", "visitseq_url"], tags=["prenight"])
    assert uuid in set(night["id"])
    prenight = archive.prenight_sims(20251101)
    assert uuid in set(prenight["visitseq_uuid"])
    assert prenight["visitseq_uuid"].iloc[0] == uuid  # newest first


def test_a_query_timeout_is_the_archives_own_error_not_a_deadline(archive):
    # The call waits a little longer than the statement may run, so the archive's message arrives.
    with pytest.raises(visitsarch.VisitsarchError, match="timeout of 1 s") as raised:
        archive.query("SELECT pg_sleep(30)", timeout=1)
    assert "Deadline Exceeded" not in str(raised.value)
    assert list(archive.query("SELECT 1 AS one", timeout=5)["one"]) == [1]
    with pytest.raises(visitsarch.InvalidArgumentError, match="timeout must be a positive number of seconds"):
        archive.query("SELECT 1", timeout=0)


def test_a_query_cut_at_max_rows_warns_and_says_so_in_attrs(archive):
    with pytest.warns(UserWarning, match=r"query returned only the first 5 rows .*max_rows=5.*larger max_rows=.*narrow the SQL") as caught:
        five = archive.query("SELECT g FROM generate_series(1, 10) g", max_rows=5)
    assert caught[0].filename == __file__  # stacklevel=2: the caller's line
    assert list(five["g"]) == [1, 2, 3, 4, 5]
    assert five.attrs["truncated"] is True and five.attrs["total_rows"] == 5
    with pytest.warns(UserWarning, match=r"first 1,000,000 rows .*the default max_rows, 1,000,000"):
        capped = archive.query("SELECT g FROM generate_series(1, 1000005) g")
    assert len(capped) == 1_000_000 and capped.attrs["truncated"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole = archive.query("SELECT g FROM generate_series(1, 5) g", max_rows=5)
    assert whole.attrs == {"truncated": False, "total_rows": 5}


def test_nightly_stats_of_columns_the_visits_lack_warn_as_the_cli_says(archive):
    uuid = archive.add_simulation(opsim_frame(30), label="stats of missing columns", telescope="simonyi")
    with pytest.warns(UserWarning, match=r"^the visits have no column for: nope \(no statistics of it were computed or stored\)$") as caught:
        nothing = archive.nightly_stats(uuid, columns=["nope"])
    assert caught[0].filename == __file__
    assert nothing.empty and nothing.attrs["missing_columns"] == ["nope"]
    with pytest.warns(UserWarning, match="no column for: nope, nope2"):
        some = archive.nightly_stats(uuid, columns=["altitude", "nope", "nope2"], store=False)
    assert set(some["value_name"]) == {"altitude"} and some.attrs["missing_columns"] == ["nope", "nope2"]
    with warnings.catch_warnings():  # the default columns: a simulation never has the ConsDB-only ones
        warnings.simplefilter("error")
        defaults = archive.nightly_stats(uuid, store=False)
    assert "eff_time_median" in defaults.attrs["missing_columns"] and "altitude" in set(defaults["value_name"])


def test_a_query_without_a_timeout_gets_the_archives_default_of_seconds(archive):
    # QUERY_DEFAULT_TIMEOUT_S, 10 s by default: the call's own deadline outlasts it.
    with pytest.raises(visitsarch.VisitsarchError, match="timeout of 10 s") as raised:
        archive.query("SELECT pg_sleep(30)")
    assert "Deadline Exceeded" not in str(raised.value)


def test_comments_are_recorded_under_the_callers_identity(archive):
    uuid = archive.add_simulation(opsim_frame(20), label="commented", telescope="simonyi")
    archive.comment(uuid, "This is more of a question than a comment...")
    # The stack's token is owned by the user it runs as (BOOTSTRAP_TOKEN_OWNER's default).
    identity = pwd.getpwuid(os.getuid()).pw_name
    archive.comment(uuid, "and a second one", author=identity)  # naming oneself only confirms it
    comments = archive.comments(uuid)
    assert list(comments["comment"]) == ["This is more of a question than a comment...", "and a second one"]
    assert list(comments["author"]) == [identity, identity]
    with pytest.raises(visitsarch.PermissionDeniedError, match="identity"):
        archive.comment(uuid, "as someone else", author=f"not-{identity}")
    assert len(archive.comments(uuid)) == 2


def test_errors_map_to_python_exceptions(archive):
    with pytest.raises(KeyError, match="not found"):
        archive.get(str(uuidlib.uuid4()))
    with pytest.raises(ValueError, match="day_obs"):
        archive.prenight_sims("2025-13-45")
    uuid = archive.add_simulation(opsim_frame(10), label="files", telescope="simonyi")
    archive.add_file(uuid, "rewards", {"first": 1})
    with pytest.raises(FileExistsError):
        archive.add_file(uuid, "rewards", {"second": 2})
    with pytest.raises(visitsarch.VisitsarchError):
        archive.tag(str(uuidlib.uuid4()), "nope")


def test_module_level_functions_use_the_default_archive(stack, monkeypatch):
    monkeypatch.setenv("VISITSARCH_GATEWAY", stack.gateway)
    monkeypatch.setattr(visitsarch, "_default", None)
    uuid = visitsarch.add_simulation(opsim_frame(10), label="module level", telescope="simonyi")
    assert visitsarch.tag(uuid, ["tag1", "tag2", "tag3"]) == ["tag1", "tag2", "tag3"]
    assert visitsarch.is_tagged(uuid, "tag2")
    visitsarch.default_archive().close()


def test_save_env_without_conda_says_so(archive, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(visitsarch.VisitsarchError, match="conda is not on PATH"):
        archive.save_env()


def test_unreachable_gateway_is_a_connection_error():
    with VisitSequenceArchive("127.0.0.1:1", timeout=2) as nowhere:
        with pytest.raises(ConnectionError):
            nowhere.tag(str(uuidlib.uuid4()), "x")


def test_mixed_sequences_untag_and_statistics(archive):
    early = archive.add_completed(opsim_frame(start_mjd=60978.97), label="early", telescope="simonyi")
    late = archive.add_simulation(opsim_frame(), label="late", telescope="simonyi", tags=["a", "b"])
    assert archive.untag(late, "a") == ["b"]
    assert not archive.is_tagged(late, "a")
    mixed = archive.add_mixed("spliced", early, late, last_early_day_obs=20251030, first_late_day_obs=dt.date(2025, 10, 31))
    spliced = archive.download(mixed, "visits")
    early_visits = archive.download(early, "visits", last_day_obs="2025-10-30")
    late_visits = archive.download(late, "visits", first_day_obs="2025-10-31")
    assert len(spliced) == len(early_visits) + len(late_visits)
    # Not stored as one table: no Flight endpoint; download reconstructs it through the gateway.
    with pytest.raises(visitsarch.FailedPreconditionError, match="mixed sequence"):
        archive._call("GetVisitsFlightEndpoint", gw.GetVisitsFlightEndpointRequest(visitseq_uuid=mixed))
    assert archive.get(mixed)["mixed"]["early_parent_uuid"] == early

    stats = archive.nightly_stats(late, columns=["altitude", "azimuth"])
    per_night = stats[(stats["value_name"] == "altitude") & (~stats["accumulated"])]
    frame = opsim_frame()
    day_obs = pd.to_datetime(np.floor(frame["observationStartMJD"] - 0.5) + 2400000.5, unit="D", origin="julian").dt.strftime("%Y-%m-%d")
    expected = frame.groupby(day_obs)["altitude"].median()
    assert dict(zip(per_night["day_obs"].astype(str), per_night["median"])) == pytest.approx(expected.to_dict())
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    figure = archive.plot_nightly([late], "altitude")
    assert figure.axes and figure.axes[0].get_ylabel()
    # A value without stored statistics is refused, as PlotNightlyStats refuses it, not drawn as an empty figure.
    with pytest.raises(visitsarch.FailedPreconditionError, match="statistics of no_such_value"):
        archive.plot_nightly([late], "no_such_value")


def test_parent_last_dayobs_as_the_specification_spells_it(archive):
    uuid = archive.add_simulation(opsim_frame(10), label="spec keyword", telescope="simonyi", parent_last_dayobs=20251030)
    assert archive.get(uuid)["simulation"]["parent_last_day_obs"] == "2025-10-30"
    with pytest.raises(ValueError, match="disagree"):
        archive.add_simulation(opsim_frame(10), label="both", telescope="simonyi", parent_last_day_obs=20251030, parent_last_dayobs=20251029)


def test_one_string_where_a_list_is_expected_is_that_string(archive):
    uuid = archive.add_simulation(opsim_frame(10), label="one tag", tags="single-tag")
    assert archive.get(uuid)["tags"] == ["single-tag"]
    night = archive.get(uuid)["first_day_obs"]
    found = archive.query_night(night, tags="single-tag", columns="visitseq_label")
    assert list(found["visitseq_label"]) == ["one tag"]
    assert list(found.columns) == ["visitseq_label", "tags", "comments"]
