"""What callers pass is checked before anything is sent: one string where a list is expected is
that string (not its characters), and a wrong type is an InvalidArgumentError naming the argument."""

import pytest

from visitsarch import InvalidArgumentError, VisitSequenceArchive
from visitsarch._arguments import message, strings
from visitsarch.gateway.v1 import gateway_service_pb2 as gw
from visitsarch.metadata.v1 import metadata_service_pb2 as md


def test_strings_takes_one_string_as_one_item():
    assert strings("nominal", "tags") == ["nominal"]
    assert strings(("a", "b"), "tags") == ["a", "b"]
    assert strings(None, "tags") == []
    assert strings(iter(["x"]), "columns") == ["x"]


@pytest.mark.parametrize(("value", "said"), [(5, "tags must be a string or a list of strings, got int"), (b"x", "got bytes"), (["a", 1], r"tags\[1\] must be a string, got int")])
def test_strings_refuses_other_types_naming_the_argument(value, said):
    with pytest.raises(InvalidArgumentError, match=said):
        strings(value, "tags")


@pytest.mark.parametrize(
    ("cls", "fields", "said"),
    [
        (gw.AddSimulationHeader, {"label": ["a"], "telescope": "simonyi"}, r"label must be a string, got list: \['a'\]"),
        (gw.AddSimulationHeader, {"label": "x", "telescope": ["simonyi"]}, "telescope must be a string, got list"),
        (md.AddCommentRequest, {"visitseq_uuid": "u", "comment": ["a"]}, "comment must be a string"),
        (md.QueryRequest, {"sql": ["SELECT 1"]}, "sql must be a string"),
        (md.QueryRequest, {"sql": "SELECT 1", "max_rows": "ten"}, "max_rows must be an integer, got str"),
        (md.QueryNightRequest, {"tags": [1]}, "tags must be a list of strings"),
    ],
)
def test_message_names_the_field_of_the_wrong_type(cls, fields, said):
    with pytest.raises(InvalidArgumentError, match=said):
        message(cls, **fields)


def test_bad_arguments_are_refused_before_the_archive_is_called():
    archive = VisitSequenceArchive("127.0.0.1:1")  # nothing listens: any call would fail differently
    with pytest.raises(InvalidArgumentError, match="sim_runner_args must be a dict"):
        archive.add_simulation(None, label="x", sim_runner_args=[1, 2])
    with pytest.raises(InvalidArgumentError, match="label must be a string"):
        archive.add_simulation(None, label=["x"])
    with pytest.raises(InvalidArgumentError, match="comment must be a string"):
        archive.comment("6f1c2e1e-0000-4000-8000-000000000000", ["a"])


def test_an_unreachable_gateway_and_a_closed_archive_are_said_so():
    from visitsarch import ArchiveUnavailableError, VisitsarchError

    archive = VisitSequenceArchive("127.0.0.1:1", timeout=5)
    with pytest.raises(ArchiveUnavailableError, match=r"^cannot reach the gateway at 127\.0\.0\.1:1: is the archive running \(npm start\)\? Set VISITSARCH_GATEWAY"):
        archive.get("6f1c2e1e-0000-4000-8000-000000000000")
    archive.close()
    with pytest.raises(VisitsarchError, match="is closed"):
        archive.get("6f1c2e1e-0000-4000-8000-000000000000")



def test_visits_arrow_cannot_hold_are_refused_naming_the_problem(tmp_path):
    import pandas as pd

    from visitsarch import _arrow

    with pytest.raises(InvalidArgumentError, match=r"cannot be stored as Arrow: .*column note.*give each column one type"):
        _arrow.to_arrow_table(pd.DataFrame({"note": [1, "two", 3.0]}))
    with pytest.raises(InvalidArgumentError, match="cannot make a table of visits from list"):
        _arrow.to_arrow_table([{"observationStartMJD": 60000.0}])
    text = tmp_path / "visits.txt"
    text.write_text("not visits")
    with pytest.raises(InvalidArgumentError, match="cannot tell the format of .*visits.txt"):
        _arrow.to_arrow_table(text)


def test_the_default_archive_is_made_again_after_it_was_closed():
    import visitsarch

    first = visitsarch.default_archive()
    first.close()
    second = visitsarch.default_archive()
    assert second is not first and first.closed and not second.closed
    second.close()


@pytest.mark.parametrize(("value", "said"), [("5", "timeout must be a positive number of seconds, got str"), (0, "got 0"), (-1.5, "got -1.5"), (float("nan"), "got nan"), (True, "got bool")])
def test_timeouts_that_are_not_positive_seconds_are_refused_naming_the_argument(value, said):
    with pytest.raises(InvalidArgumentError, match=said):
        VisitSequenceArchive("127.0.0.1:1", timeout=value)
    with pytest.raises(InvalidArgumentError, match=f"transfer_{said}" if said.startswith("timeout") else said):
        VisitSequenceArchive("127.0.0.1:1", transfer_timeout=value)
    archive = VisitSequenceArchive("127.0.0.1:1")  # nothing listens: any call would fail differently
    with pytest.raises(InvalidArgumentError, match=said):
        archive.query("select 1", timeout=value)
    assert VisitSequenceArchive("127.0.0.1:1", timeout=5).timeout == 5.0


@pytest.mark.parametrize(("value", "said"), [(10**12, r"max_rows must be an integer from 0 to 2\*\*31-1"), (-1, "from 0 to"), ("ten", "max_rows must be an integer, got str"), (2.5, "got float")])
def test_query_max_rows_out_of_range_says_the_range(value, said):
    archive = VisitSequenceArchive("127.0.0.1:1")
    with pytest.raises(InvalidArgumentError, match=said):
        archive.query("select 1", max_rows=value)


def test_message_says_the_range_of_an_integer_field():
    with pytest.raises(InvalidArgumentError, match=r"max_rows must be an integer from -2\*\*31 to 2\*\*31-1, got 1000000000000"):
        message(md.QueryRequest, sql="SELECT 1", max_rows=10**12)


def test_day_obs_takes_integer_and_float_mjds_alike():
    import datetime as dt

    import numpy as np
    import pandas as pd

    from visitsarch.archive import _day_obs

    assert _day_obs(60981, "d") == _day_obs(60981.0, "d") == _day_obs(np.int64(60981), "d") == "2025-11-01"
    assert _day_obs(20251101, "d") == "20251101"
    assert _day_obs(dt.date(2025, 11, 2), "d") == "2025-11-02"  # a date is the day_obs itself
    assert _day_obs(pd.Timestamp("2025-11-02 00:00"), "d") == "2025-11-01"  # a time is mapped by the UTC−12 h rule
    assert _day_obs(dt.datetime(2025, 11, 2, 13, tzinfo=dt.timezone.utc), "d") == "2025-11-02"
    for wrong in (12345, 2025, True, 1e9, float("nan"), [20251101]):
        with pytest.raises(InvalidArgumentError, match=r"first_day_obs: cannot use .* as a day_obs: give a date .*YYYYMMDD integer, an MJD \(a number from 40000 to 100000\)"):
            _day_obs(wrong, "first_day_obs")


def test_integers_a_struct_would_round_are_refused_naming_the_key():
    import numpy as np

    from visitsarch.archive import _struct

    assert _struct({"seed": 2**53, "n": np.int64(-(2**53)), "x": [1, 2.5]})["seed"] == 2**53
    with pytest.raises(InvalidArgumentError, match=r"sim_runner_args\['seed'\] = 9007199254740993 exceeds 2\*\*53: .*store it as a string"):
        _struct({"seed": 2**53 + 1})
    with pytest.raises(InvalidArgumentError, match=r"sim_runner_args\['opts'\]\['seeds'\]\[1\] = -18446744073709551615 exceeds 2\*\*53"):
        _struct({"opts": {"seeds": [1, np.uint64(2**64 - 1).item() * -1]}})
    archive = VisitSequenceArchive("127.0.0.1:1")
    with pytest.raises(InvalidArgumentError, match=r"sim_runner_args\['seed'\].*exceeds 2\*\*53"):
        archive.add_simulation(None, label="x", sim_runner_args={"seed": np.uint64(2**64 - 1)})
