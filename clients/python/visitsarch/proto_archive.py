"""The upstream's deprecated prototype archive: ``<base>/<UTC date>/<n>/sim_metadata.yaml`` entries.

:func:`import_sim_from_prototype_sim_archive` and :func:`export_sim_to_prototype_sim_archive` do
what ``visitsarch import_proto`` and ``visitsarch export_proto`` do (cli/src/commands/proto-archive.ts
explains each step), with the upstream's bugs fixed: a ``creation_time`` key is honoured, the dates
are read from ``simulated_dates`` or ``simulation_dates`` and written as ``simulated_dates``, every
MD5 the YAML records is checked, and ``observations`` (the visits) and ``metadata`` (the YAML) are
not added as extra files. The import reads a local directory, a ``file://`` or an ``s3://`` URL
(pyarrow's S3 client, configured as the archive's: ``S3_ENDPOINT_URL`` and the standard AWS
credentials); the export writes a local directory or a ``file://`` URL (the CLI's ``export_proto``
also writes ``s3://``, claiming the entry without overwriting). Reading a YAML needs PyYAML (``pip
install pyyaml``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import pathname2url

from ._errors import DataLossError, InvalidArgumentError, NotFoundError
from .archive import VisitSequenceArchive, _day_obs, _iso

#: The upstream's default prototype archive.
UPSTREAM_PROTO_SIM_ARCHIVE_URL = "s3://rubin:rubin-scheduler-prenight/opsim/"
FROM_PROTOTYPE_TAG = "from_prototype_sim_archive"
_METADATA = "sim_metadata.yaml"
_OBSERVATIONS = "opsim.db"


def _base_url(proto_sim_archive_url: str | None) -> str:
    """The prototype archive's base as a ``file://`` or ``s3://`` URL ending with ``/``."""
    value = str(proto_sim_archive_url or os.environ.get("PROTO_SIM_ARCHIVE_URL") or UPSTREAM_PROTO_SIM_ARCHIVE_URL)
    parsed = urlparse(value)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return _file_url(Path(unquote(parsed.path))) + "/"
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise InvalidArgumentError(f"no bucket in {value!r}: the prototype archive's s3:// URL is s3://bucket/prefix/")
        return value.rstrip("/") + "/"
    if parsed.scheme == "" or re.match(r"^[A-Za-z]:[\\/]", value):
        return _file_url(Path(value)) + "/"
    raise InvalidArgumentError(f"the prototype archive is a local directory, a file:// or an s3:// URL, not {value!r}")


def _base_directory(proto_sim_archive_url: str | None) -> Path:
    """The prototype archive's base as a local directory (the export writes only those)."""
    url = _base_url(proto_sim_archive_url)
    if not url.startswith("file://"):
        raise InvalidArgumentError(f"the Python client writes the prototype archive in a local directory or a file:// URL, not {url!r}: use `visitsarch export_proto` for s3://")
    return Path(unquote(urlparse(url).path))


def _fetch(url: str, scratch: Path) -> Path:
    """A local path holding the object at ``url``: the file itself for ``file://``, a copy in
    ``scratch`` for ``s3://``; NotFoundError if there is none."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        if not path.is_file():
            raise NotFoundError(f"cannot read {url}: it does not exist")
        return path
    if parsed.scheme != "s3":
        raise InvalidArgumentError(f"cannot read {url}: the prototype archive's files are file:// or s3:// URLs")
    import pyarrow.fs as pafs

    from .visits_reader import _s3_filesystem

    filesystem, key = _s3_filesystem(), f"{unquote(parsed.netloc)}{unquote(parsed.path)}"
    if filesystem.get_file_info(key).type != pafs.FileType.File:
        raise NotFoundError(f"cannot read {url}: it does not exist")
    copy = scratch / hashlib.sha256(url.encode()).hexdigest()[:16] / Path(parsed.path).name
    copy.parent.mkdir(parents=True, exist_ok=True)
    pafs.copy_files(key, str(copy), source_filesystem=filesystem, destination_filesystem=pafs.LocalFileSystem())
    return copy


def _file_url(path: Path) -> str:
    return "file://" + pathname2url(str(path.resolve()))


def _md5(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - the prototype archive's own checksum
    with open(path, "rb") as file:
        for piece in iter(lambda: file.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def import_sim_from_prototype_sim_archive(
    archive_base: str | None, sim_date: Any, sim_index: int | str, proto_sim_archive_url: str | None = None, archive: VisitSequenceArchive | None = None
) -> str:
    """Records a simulation of the prototype archive; returns its new ``visitseq_uuid``.

    Parameters
    ----------
    archive_base : str or None
        Archive for the visits and files (a base URL; ``None``: the gateway's; ``""``: the
        visits are not stored, the other files go to the gateway's archive).
    sim_date, sim_index
        The entry ``<proto_sim_archive_url>/<sim_date>/<sim_index>/``.
    proto_sim_archive_url : str, optional
        A local directory, ``file://`` or ``s3://`` URL; default ``$PROTO_SIM_ARCHIVE_URL``.
    """
    import yaml  # PyYAML: the YAML of the prototype archive

    archive = archive or VisitSequenceArchive()
    date = _iso(_day_obs(sim_date, "sim_date") or "")
    if not re.fullmatch(r"\d+", str(sim_index)) or int(sim_index) < 1:
        raise InvalidArgumentError(f"sim_index must be a positive integer, got {sim_index!r}")
    index = int(sim_index)
    entry_url = f"{_base_url(proto_sim_archive_url)}{date}/{index}/"
    if entry_url.startswith("file://") and not Path(unquote(urlparse(entry_url).path)).is_dir():
        raise NotFoundError(f"no simulation in the prototype archive at {entry_url}")
    with tempfile.TemporaryDirectory(prefix="visitsarch-proto-") as scratch:
        try:
            metadata_path = _fetch(entry_url + _METADATA, Path(scratch))
        except NotFoundError:
            raise NotFoundError(f"no simulation metadata at {entry_url + _METADATA}") from None
        metadata = yaml.safe_load(metadata_path.read_text())
        if not isinstance(metadata, dict) or not isinstance(metadata.get("label"), str) or not metadata["label"]:
            raise InvalidArgumentError(f"{entry_url + _METADATA} has no label")
        files = metadata.get("files") or {}
        if "observations" not in files:
            raise InvalidArgumentError(f"{entry_url + _METADATA} lists no observations file")
        local: dict[str, Path] = {}
        for file_type, entry in files.items():
            if file_type == "metadata":
                continue
            url = entry.get("url") or entry_url + entry["name"]
            url = url if urlparse(url).scheme else entry_url + url  # a name relative to the entry
            path = _fetch(url, Path(scratch))
            if entry.get("md5") and _md5(path) != str(entry["md5"]).lower():
                raise DataLossError(f"{url} has MD5 {_md5(path)}, but {_METADATA} records {entry['md5']}")
            local[file_type] = path
        return _record(archive, archive_base, metadata, local, date, index, Path(scratch))


def _record(archive: VisitSequenceArchive, archive_base: str | None, metadata: dict[str, Any], local: dict[str, Path], date: str, index: int, scratch: Path) -> str:
    """Records the simulation of a prototype archive entry whose files are at hand (``local``)."""
    label = metadata["label"]
    words = label.split()
    from_label = _instant(words[-1]) if len(words) >= 3 and " ".join(words[-3:-1]) == "run at" else None
    creation_time = _instant(metadata.get("creation_time")) or from_label or datetime.fromisoformat(f"{date}T12:00:00+00:00") + timedelta(seconds=index)
    dates = metadata.get("simulated_dates") or metadata.get("simulation_dates") or {}
    kwargs = metadata.get("sim_runner_kwargs")
    uuid = archive.add_simulation(
        # The visits' format is told by the name: an observations file without a suffix is the opsim database.
        str(local["observations"]) if local["observations"].suffix else shutil.copyfile(local["observations"], scratch / _OBSERVATIONS),
        label,
        telescope=metadata.get("telescope") or "simonyi",
        first_day_obs=dates.get("first"),
        last_day_obs=dates.get("last"),
        creation_time=creation_time,
        scheduler_version=None if metadata.get("scheduler_version") is None else str(metadata["scheduler_version"]),
        sim_runner_args=kwargs if isinstance(kwargs, dict) else None,
        archive=archive_base,
        tags=list(dict.fromkeys([t for t in metadata.get("tags") or [] if isinstance(t, str)] + [FROM_PROTOTYPE_TAG])),
    )
    for file_type, path in local.items():
        if file_type != "observations":
            archive.add_file(uuid, file_type, path, archive=archive_base or None)
    archive.comment(uuid, f"Imported from prototype sim_archive {date}, {index}")
    return uuid


def export_sim_to_prototype_sim_archive(visitseq_uuid: str, proto_sim_archive_url: str | None = None, archive: VisitSequenceArchive | None = None) -> str:
    """Writes a simulation to a new entry ``<base>/<UTC today>/<n>/``; returns its URL.

    The entry holds ``opsim.db`` (the visits' ``observations`` table), every other file under its
    basename, and ``sim_metadata.yaml`` (``simulated_dates``, each file's MD5). The directory is
    created exclusively; nothing is overwritten.
    """
    archive = archive or VisitSequenceArchive()
    record = archive.get(visitseq_uuid)
    listed = archive._call("ListFiles", _list_files_request(visitseq_uuid)).files
    if not any(file.file_type == "visits" for file in listed):
        raise InvalidArgumentError(f"visit sequence {visitseq_uuid} has no stored visits to export")
    date_directory = _base_directory(proto_sim_archive_url) / datetime.now(timezone.utc).date().isoformat()
    date_directory.mkdir(parents=True, exist_ok=True)
    index = max([int(p.name) for p in date_directory.iterdir() if p.is_dir() and p.name.isdigit()], default=0) + 1
    while True:
        directory = date_directory / str(index)
        try:
            directory.mkdir()
            break
        except FileExistsError:
            index += 1
    url = _file_url(directory) + "/"
    # The archive writes the opsim database (the same writer as the CLI's), so that the visits
    # read back from it hash as the original did.
    from .gateway.v1 import gateway_service_pb2 as gw
    from .type.v1 import common_pb2

    request = gw.ExportVisitsRequest(visitseq_uuid=str(visitseq_uuid), format=common_pb2.TABLE_FORMAT_OPSIM_SQLITE)
    with open(directory / _OBSERVATIONS, "xb") as out:
        for message in archive._stream("ExportVisits", request, timeout=archive.transfer_timeout):
            out.write(message.data)
    files: dict[str, dict[str, str]] = {"observations": {"name": _OBSERVATIONS, "url": url + _OBSERVATIONS, "md5": _md5(directory / _OBSERVATIONS)}}
    taken = {_OBSERVATIONS, _METADATA}
    for file in listed:
        if file.file_type == "visits":
            continue
        base = Path(unquote(urlparse(file.file_url).path)).name or file.file_type
        name = f"{file.file_type}-{base}" if base in taken else base
        taken.add(name)
        data, _ = archive._download_bytes(visitseq_uuid, file.file_type)
        with open(directory / name, "xb") as out:
            out.write(data)
        files[file.file_type] = {"name": name, "url": url + name, "md5": hashlib.md5(data).hexdigest()}  # noqa: S324
    files["metadata"] = {"name": _METADATA, "url": url + _METADATA}
    metadata: dict[str, Any] = {"uuid": str(visitseq_uuid), "label": record.get("visitseq_label", ""), "telescope": record.get("telescope", ""), "tags": list(record.get("tags", []))}
    simulation = record.get("simulation") or {}
    if simulation.get("scheduler_version"):
        metadata["scheduler_version"] = simulation["scheduler_version"]
    if record.get("creation_time"):
        metadata["creation_time"] = record["creation_time"]
    dates = {side: record[f"{side}_day_obs"] for side in ("first", "last") if record.get(f"{side}_day_obs")}
    if dates:
        metadata["simulated_dates"] = dates
    if simulation.get("sim_runner_args"):
        metadata["sim_runner_kwargs"] = simulation["sim_runner_args"]
    metadata["files"] = files
    # JSON is YAML: every YAML reader (the upstream's yaml.safe_load) reads it, with every string quoted.
    with open(directory / _METADATA, "x") as out:
        out.write(json.dumps(metadata, indent=4) + "\n")
    return url


def _list_files_request(visitseq_uuid: str) -> Any:
    from .metadata.v1 import metadata_service_pb2 as md

    return md.ListFilesRequest(visitseq_uuid=str(visitseq_uuid), page_size=1000)
