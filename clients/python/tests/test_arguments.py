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
