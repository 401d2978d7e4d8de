"""visitsarch: the Python client of the Rubin Observatory scheduler-simulation archive.

The API follows the specification's examples::

    from visitsarch import VisitSequenceArchive
    archive = VisitSequenceArchive()              # $VISITSARCH_GATEWAY or 127.0.0.1:50051
    uuid = archive.add_simulation(visits=obs, label="my simulation", telescope="simonyi")
    archive.tag(uuid, ["example", "nominal"])
    visits = archive.download(uuid, "visits")

Module-level functions with the same names use a default archive (``visitsarch.tag(...)``,
``visitsarch.prenight_sims(...)``). The gRPC stubs of every API are in the subpackages
generated from the repository's ``proto/`` (``visitsarch.gateway.v1`` …).
"""

from __future__ import annotations

from typing import Any

from ._errors import (
    AlreadyExistsError,
    ArchiveUnavailableError,
    AuthenticationError,
    DataLossError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    NotImplementedByServerError,
    PermissionDeniedError,
    VisitsarchError,
)
from ._hash import visits_sha256
from ._consdb import AUXTEL_SCIENCE_CONSDB_QUERY, SIMONYI_SCIENCE_CONSDB_QUERY
from .archive import DEFAULT_GATEWAY, USDF_CONSDB, USDF_OPSIM_ARCHIVE, VisitSequenceArchive
from .prenight_index import make_prenight_index
from .visits_reader import get_visits

__version__ = "0.1.0"

#: The specification spells the class both ways.
VisitsSequenceArchive = VisitSequenceArchive

_default: VisitSequenceArchive | None = None


def default_archive() -> VisitSequenceArchive:
    """The archive the module-level functions use (created on first use from ``$VISITSARCH_GATEWAY``,
    and again after it was closed)."""
    global _default
    if _default is None or _default.closed:
        _default = VisitSequenceArchive()
    return _default


def _delegate(name: str):
    def function(*args: Any, **kwargs: Any) -> Any:
        return getattr(default_archive(), name)(*args, **kwargs)

    function.__name__ = name
    function.__doc__ = getattr(VisitSequenceArchive, name).__doc__
    return function


add_simulation = _delegate("add_simulation")
add_completed = _delegate("add_completed")
add_mixed = _delegate("add_mixed")
tag = _delegate("tag")
untag = _delegate("untag")
is_tagged = _delegate("is_tagged")
comment = _delegate("comment")
comments = _delegate("comments")
save_env = _delegate("save_env")
add_file = _delegate("add_file")
download = _delegate("download")
query = _delegate("query")
query_night = _delegate("query_night")
prenight_sims = _delegate("prenight_sims")
nightly_stats = _delegate("nightly_stats")
query_consdb = _delegate("query_consdb")
plot_nightly = _delegate("plot_nightly")
import_sim_from_prototype_sim_archive = _delegate("import_sim_from_prototype_sim_archive")
export_sim_to_prototype_sim_archive = _delegate("export_sim_to_prototype_sim_archive")

__all__ = [
    "AlreadyExistsError", "AuthenticationError", "PermissionDeniedError", "AUXTEL_SCIENCE_CONSDB_QUERY", "SIMONYI_SCIENCE_CONSDB_QUERY", "query_consdb", "ArchiveUnavailableError", "DataLossError", "DeadlineExceededError", "DEFAULT_GATEWAY", "FailedPreconditionError",
    "InvalidArgumentError", "make_prenight_index", "NotFoundError", "NotImplementedByServerError", "USDF_CONSDB", "USDF_OPSIM_ARCHIVE",
    "VisitSequenceArchive", "VisitsSequenceArchive", "VisitsarchError", "add_completed", "add_file", "add_mixed",
    "add_simulation", "comment", "comments", "default_archive", "download", "export_sim_to_prototype_sim_archive", "import_sim_from_prototype_sim_archive", "get_visits", "is_tagged", "nightly_stats", "plot_nightly", "prenight_sims", "query",
    "query_night", "save_env", "tag", "untag", "visits_sha256",
]
