"""ConsDB → archive: the specification's ``query_consdb`` and the default ConsDB queries.

The server (the consdb-ingest service, behind the gateway) queries ConsDB with its own token,
converts the visits to the opsim schema (docs/consdb.md), stores them and records a
``completed`` sequence; this module only asks it to and reads the visits it streams back.
"""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import _arrow
from ._arguments import message as _message
from ._arguments import strings as _strings
from .archive import _day_obs
from .gateway.v1 import gateway_service_pb2 as gw

if TYPE_CHECKING:
    from .archive import VisitSequenceArchive

_ON_SKY_IMAGE_TYPES = ("science", "acq", "engtest")


def _science_visits_query(schema: str) -> str:
    # Must stay identical to libs/consdb/src/default-queries.ts (the server's default, which
    # GetDefaultConsdbQuery returns); tests/test_consdb.py checks that they agree.
    return "\n".join(
        [
            "SELECT *",
            f"FROM {schema}.visit1 AS v",
            f"LEFT JOIN {schema}.visit1_quicklook AS q USING (visit_id, day_obs, seq_num)",
            f"WHERE v.img_type IN ({', '.join(repr(t) for t in _ON_SKY_IMAGE_TYPES)})",
            "  AND v.s_ra IS NOT NULL AND v.s_dec IS NOT NULL AND v.sky_rotation IS NOT NULL",
            "  AND v.obs_start_mjd IS NOT NULL AND v.obs_end_mjd IS NOT NULL",
            "  AND v.band IN ('u', 'g', 'r', 'i', 'z', 'y')",
        ]
    )


#: Science visits of the Simonyi Survey Telescope (LSSTCam, ``cdb_lsstcam``), without day_obs bounds.
SIMONYI_SCIENCE_CONSDB_QUERY = _science_visits_query("cdb_lsstcam")
#: Science visits of the Auxiliary Telescope (LATISS, ``cdb_latiss``), without day_obs bounds.
AUXTEL_SCIENCE_CONSDB_QUERY = _science_visits_query("cdb_latiss")


def query_consdb(
    archive: VisitSequenceArchive,
    query: str | None = None,
    label: str | None = None,
    telescope: str = "simonyi",
    first_dayobs: Any = None,
    last_dayobs: Any = None,
    endpoint: str | None = None,
    archive_url: str | None = None,
    incremental: bool = False,
    base: str | None = None,
    tags: Sequence[str] = (),
    request_id: str | None = None,
    survey_start_mjd: float | None = None,
) -> tuple[pd.DataFrame, str]:
    """Queries ConsDB for completed visits, records them in the archive and returns ``(visits, uuid)``.

    Parameters
    ----------
    archive : the client to go through.
    query : SQL sent to ConsDB; ``None`` for the telescope's default (``SIMONYI_SCIENCE_CONSDB_QUERY``
        or ``AUXTEL_SCIENCE_CONSDB_QUERY``). It must return one ``day_obs`` column; the server bounds
        it by ``first_dayobs``/``last_dayobs``.
    label : the sequence's label (required).
    telescope : ``"simonyi"`` or ``"auxtel"``.
    first_dayobs, last_dayobs : the nights covered (``YYYYMMDD``, ``YYYY-MM-DD``, a date, an MJD);
        ``first_dayobs=None`` means the first visit's night, ``last_dayobs=None`` the night before
        the current day_obs.
    endpoint : ConsDB's HTTP API or database; ``None`` for the server's (the USDF ConsDB, ``USDF_CONSDB``).
    archive_url : where to store the visits; ``None`` for the server's archive, ``""`` to record
        only the metadata (the spec's ``archive`` argument).
    incremental : query only the nights after the previous ingest of the same query and record a
        mixed sequence chaining it with the new visits; ``base`` names the sequence to extend.
    tags, request_id : tags of the new sequence(s); a UUID making a retry return the first result
        (a fresh one by default).
    survey_start_mjd : the MJD at which night 0 of the visits' ``night`` column starts; ``None`` for
        the server's (rubin_scheduler's ``SURVEY_START_MJD``, 61220.5, unless configured otherwise).

    Returns
    -------
    visits : the newly queried visits in the opsim schema (the 47 columns that
        ``SchemaConverter().opsimdf2obs`` reads, then the ConsDB columns).
    uuid : the new completed sequence, or with ``incremental`` and a base, the mixed sequence that
        covers all visits through ``last_dayobs`` (the one to use as a simulation's parent).
    """
    if not label:
        raise ValueError("query_consdb needs a label")
    request = _message(gw.QueryConsdbRequest,
        query=query or "",
        label=label,
        telescope=telescope,
        first_dayobs=_day_obs(first_dayobs, "first_dayobs") or "",
        last_dayobs=_day_obs(last_dayobs, "last_dayobs") or "",
        endpoint=endpoint or "",
        archive_url=archive_url,
        incremental=incremental,
        base_visitseq_uuid=base or "",
        tags=_strings(tags, "tags"),
        request_id=request_id or str(_uuid.uuid4()),
        survey_start_mjd=survey_start_mjd,
    )
    first: Any = None
    chunks: list[bytes] = []
    for message in archive._stream("QueryConsdb", request):
        if first is None:
            first = message
        if message.HasField("chunk") and message.chunk.ipc_bytes:
            chunks.append(message.chunk.ipc_bytes)
    if first is None:
        raise RuntimeError("the gateway answered QueryConsdb without a result")
    visits = _arrow.to_pandas(_arrow.read_chunks(chunks))
    return visits, first.mixed_visitseq_uuid or first.visitseq_uuid
