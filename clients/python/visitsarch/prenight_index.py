"""The pre-night index: the JSON snapshot of a night's pre-night simulations that schedview reads.

The upstream (``vseqarchive make-prenight-index`` in rubin_sim) writes it every night to
``<destination>/<telescope>/<year>/<month>/<telescope>_prenights_for_<YYYY-MM-DD>.json`` (month not
zero-padded), and ``rubin_sim.sim_archive.prenightindex.get_prenight_index_from_bucket`` (which
schedview calls) reads it. :func:`make_prenight_index` writes the same file from this archive, with
the same selection (simulations tagged ``prenight`` covering the night, at most 4000 days old), keys
and shape as ``visitsarch make_prenight_index`` on the command line.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ._errors import InvalidArgumentError
from .archive import VisitSequenceArchive, _day_obs, _iso

#: The upstream's default destination (``rubin_sim.sim_archive.vseqarchive.PRENIGHT_INDEX_URL``).
UPSTREAM_PRENIGHT_INDEX_URL = "s3://rubin:rubin-scheduler-prenight/opsim/prenight_index/"
_TELESCOPES = ("simonyi", "auxtel")
_MAX_SIMULATION_AGE_DAYS = 4000
_STATISTICS = ("accumulated", "count", "mean", "std", "min", "p05", "q1", "median", "q3", "p95", "max")

# The same statement as the CLI's (cli/src/commands/prenight-index.ts), which explains each part.
_SQL = """
WITH selected AS (
  SELECT * FROM visitsextra
  WHERE DATE '{day_obs}' BETWEEN first_day_obs AND last_day_obs AND telescope = '{telescope}'
    AND tags @> '["prenight"]'::jsonb AND creation_time >= now() - INTERVAL '{max_age} days'
), night_stats AS (
  SELECT visitseq_uuid, jsonb_object_agg(value_name, jsonb_build_object({statistics}) ORDER BY accumulated DESC, value_name) AS stats
  FROM nightly_stats WHERE day_obs = DATE '{day_obs}' AND visitseq_uuid IN (SELECT visitseq_uuid FROM selected) GROUP BY visitseq_uuid
), numbered_comments AS (
  SELECT visitseq_uuid, comment, comment_time, row_number() OVER (PARTITION BY visitseq_uuid, comment_time ORDER BY comment_id) AS n
  FROM comments WHERE visitseq_uuid IN (SELECT visitseq_uuid FROM selected)
), comment_objects AS (
  SELECT visitseq_uuid, jsonb_object_agg((to_json(comment_time AT TIME ZONE 'UTC') #>> '{{}}') || '+00:00' || CASE WHEN n > 1 THEN ' #' || n ELSE '' END, comment) AS comments
  FROM numbered_comments GROUP BY visitseq_uuid
), file_objects AS (
  SELECT visitseq_uuid, jsonb_object_agg(file_type, file_url) AS files
  FROM files WHERE file_type <> 'visits' AND visitseq_uuid IN (SELECT visitseq_uuid FROM selected) GROUP BY visitseq_uuid
)
SELECT s.visitseq_uuid::text AS visitseq_uuid, json_build_object(
  'sim_creation_day_obs', to_char(s.sim_creation_day_obs, 'YYYY-MM-DD'), 'daily_id', s.daily_id,
  'visitseq_label', s.visitseq_label, 'visitseq_url', s.visitseq_url, 'telescope', s.telescope,
  'first_day_obs', to_char(s.first_day_obs, 'YYYY-MM-DD'), 'last_day_obs', to_char(s.last_day_obs, 'YYYY-MM-DD'),
  'creation_time', to_char(s.creation_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'scheduler_version', s.scheduler_version, 'config_url', s.config_url, 'sim_runner_kwargs', s.sim_runner_args,
  'conda_env_sha256', encode(s.conda_env_sha256, 'hex'), 'parent_visitseq_uuid', s.parent_visitseq_uuid::text,
  'parent_last_day_obs', to_char(s.parent_last_day_obs, 'YYYY-MM-DD'), 'tags', s.tags,
  'comments', COALESCE(c.comments, '{{}}'::jsonb), 'files', COALESCE(f.files, '{{}}'::jsonb), 'stats', ns.stats
)::text AS entry
FROM selected AS s
LEFT JOIN night_stats AS ns ON ns.visitseq_uuid = s.visitseq_uuid
LEFT JOIN comment_objects AS c ON c.visitseq_uuid = s.visitseq_uuid
LEFT JOIN file_objects AS f ON f.visitseq_uuid = s.visitseq_uuid
ORDER BY s.creation_time DESC, s.visitseq_uuid
"""


def _checked_day_obs(day_obs: Any) -> str:
    text = (_day_obs(day_obs, "day_obs") or "").strip()
    iso = _iso(text)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{8}", text):
            raise ValueError(text)
        import datetime

        datetime.date.fromisoformat(iso)
    except ValueError:
        raise InvalidArgumentError(f"day_obs: not a day_obs: {day_obs!r} (expected YYYY-MM-DD, YYYYMMDD, an integer such as 20250814 or a date)") from None
    return iso


def prenight_index_url(destination: str, day_obs: Any, telescope: str) -> str:
    """Where the index of a night goes: ``<destination>/<telescope>/<year>/<month>/<telescope>_prenights_for_<YYYY-MM-DD>.json``."""
    iso = _checked_day_obs(day_obs)
    year, month = (int(part) for part in iso.split("-")[:2])
    return f"{destination.rstrip('/')}/{telescope}/{year}/{month}/{telescope}_prenights_for_{iso}.json"


def prenight_index(day_obs: Any, telescope: str, archive: VisitSequenceArchive | None = None) -> dict[str, dict[str, Any]]:
    """The index of a night as a dict ``{visitseq_uuid: entry}``, newest simulation first, without writing it."""
    if telescope not in _TELESCOPES:
        raise InvalidArgumentError(f"telescope must be simonyi or auxtel, got {telescope!r}")
    if archive is None:
        from . import default_archive

        archive = default_archive()
    iso = _checked_day_obs(day_obs)
    statistics = ", ".join(f"'{name}', {name}" for name in _STATISTICS)
    sql = _SQL.format(day_obs=iso, telescope=telescope, max_age=_MAX_SIMULATION_AGE_DAYS, statistics=statistics)
    rows = archive.query(sql)
    return {row.visitseq_uuid: json.loads(row.entry) for row in rows.itertuples(index=False)}


def make_prenight_index(day_obs: Any, telescope: str, destination: str | None = None, archive: VisitSequenceArchive | None = None) -> str:
    """Writes the pre-night index of a night and returns its URL (the upstream's ``make-prenight-index``).

    Parameters
    ----------
    day_obs : str, int or date
        The night (``YYYY-MM-DD``, ``YYYYMMDD``, an integer such as 20260415, or a date).
    telescope : str
        ``simonyi`` or ``auxtel``.
    destination : str, optional
        Base URL, ``file:///dir/`` or ``s3://bucket/prefix/`` (S3 through ``S3_ENDPOINT_URL`` and
        the standard AWS credentials); default ``$PRENIGHT_INDEX_URL``, else the upstream's
        ``s3://rubin:rubin-scheduler-prenight/opsim/prenight_index/``.
    archive : VisitSequenceArchive, optional
        The archive to read; default the module's default archive.
    """
    index = prenight_index(day_obs, telescope, archive)
    destination = destination or os.environ.get("PRENIGHT_INDEX_URL") or UPSTREAM_PRENIGHT_INDEX_URL
    url = prenight_index_url(destination, day_obs, telescope)
    _write(url, json.dumps(index, indent=4).encode("utf-8"))
    return url


def _write(url: str, data: bytes) -> None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Replaced whole, never seen half-written.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as temporary:
            temporary.write(data)
        os.replace(temporary.name, path)
        return
    if parsed.scheme == "s3":
        from pyarrow import fs

        endpoint = urlparse(os.environ.get("S3_ENDPOINT_URL") or "")
        options: dict[str, Any] = {"region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
        if endpoint.netloc:
            options.update(endpoint_override=endpoint.netloc, scheme=endpoint.scheme or "https")
        s3 = fs.S3FileSystem(**options)
        bucket, _, key = re.sub(r"^s3://", "", url).partition("/")
        with s3.open_output_stream(f"{bucket}/{key}") as stream:
            stream.write(data)
        return
    raise InvalidArgumentError(f"destination must be a file:/// or s3:// URL, got {url!r}")
