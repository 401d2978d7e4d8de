"""The upstream's deprecated prototype archive: ``<base>/<UTC date>/<n>/sim_metadata.yaml`` entries.

:func:`import_sim_from_prototype_sim_archive` and :func:`export_sim_to_prototype_sim_archive` do
what ``visitsarch import_proto`` and ``visitsarch export_proto`` do (cli/src/commands/proto-archive.ts
explains each step), with the upstream's bugs fixed: a ``creation_time`` key is honoured, the dates
are read from ``simulated_dates`` or ``simulation_dates`` and written as ``simulated_dates``, every
MD5 the YAML records is checked, and ``observations`` (the visits) and ``metadata`` (the YAML) are
not added as extra files. Here the prototype archive is a local directory or a ``file://`` URL (the
CLI also reads and writes ``s3://``). Reading a YAML needs PyYAML (``pip install pyyaml``).
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


def _base_directory(proto_sim_archive_url: str | None) -> Path:
    value = proto_sim_archive_url or os.environ.get("PROTO_SIM_ARCHIVE_URL") or UPSTREAM_PROTO_SIM_ARCHIVE_URL
    parsed = urlparse(str(value))
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or re.match(r"^[A-Za-z]:[\\/]", str(value)):
        return Path(value).resolve()
    raise InvalidArgumentError(f"the Python client reads and writes the prototype archive in a local directory or a file:// URL, not {value!r}: use `visitsarch import_proto`/`export_proto` for s3://")


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


def _local(url: str, directory: Path) -> Path:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "":
        return directory / url
    raise InvalidArgumentError(f"cannot read {url}: the Python client reads file:// URLs only (use `visitsarch import_proto`)")


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
        A local directory or ``file://`` URL; default ``$PROTO_SIM_ARCHIVE_URL``.
    """
    import yaml  # PyYAML: the YAML of the prototype archive

    archive = archive or VisitSequenceArchive()
    date = _iso(_day_obs(sim_date, "sim_date") or "")
    if not re.fullmatch(r"\d+", str(sim_index)) or int(sim_index) < 1:
        raise InvalidArgumentError(f"sim_index must be a positive integer, got {sim_index!r}")
    index = int(sim_index)
    directory = _base_directory(proto_sim_archive_url) / date / str(index)
    if not directory.is_dir():
        raise NotFoundError(f"no simulation in the prototype archive at {_file_url(directory)}/")
    if not (directory / _METADATA).is_file():
        raise NotFoundError(f"no simulation metadata at {_file_url(directory / _METADATA)}")
    metadata = yaml.safe_load((directory / _METADATA).read_text())
    if not isinstance(metadata, dict) or not isinstance(metadata.get("label"), str) or not metadata["label"]:
        raise InvalidArgumentError(f"{_file_url(directory / _METADATA)} has no label")
    files = metadata.get("files") or {}
    if "observations" not in files:
        raise InvalidArgumentError(f"{_file_url(directory / _METADATA)} lists no observations file")
    local: dict[str, Path] = {}
    for file_type, entry in files.items():
        if file_type == "metadata":
            continue
        path = _local(entry["url"], directory) if entry.get("url") else directory / entry["name"]
        if not path.is_file():
            raise NotFoundError(f"cannot read {_file_url(path)}: it does not exist")
        if entry.get("md5") and _md5(path) != str(entry["md5"]).lower():
            raise DataLossError(f"{_file_url(path)} has MD5 {_md5(path)}, but {_METADATA} records {entry['md5']}")
        local[file_type] = path

    label = metadata["label"]
    words = label.split()
    from_label = _instant(words[-1]) if len(words) >= 3 and " ".join(words[-3:-1]) == "run at" else None
    creation_time = _instant(metadata.get("creation_time")) or from_label or datetime.fromisoformat(f"{date}T12:00:00+00:00") + timedelta(seconds=index)
    dates = metadata.get("simulated_dates") or metadata.get("simulation_dates") or {}
    kwargs = metadata.get("sim_runner_kwargs")
    uuid = archive.add_simulation(
        str(local["observations"]) if local["observations"].suffix else shutil.copyfile(local["observations"], Path(tempfile.mkdtemp()) / "opsim.db"),
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
