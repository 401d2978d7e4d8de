"""`VisitSequenceArchive`: the specification's Python API, a client of the visitsarch gateway."""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import pickle
import secrets
import subprocess
import uuid as _uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
import grpc.experimental
import numpy as np
import pandas as pd
import pyarrow as pa
from google.protobuf import struct_pb2, timestamp_pb2

from . import _arrow
from ._arguments import MAX_EXACT_INTEGER as _MAX_EXACT_INTEGER
from ._arguments import integer as _integer
from ._arguments import message as _message
from ._arguments import seconds as _seconds
from ._arguments import strings as _strings
from ._credentials import find_tls, find_token
from ._errors import FailedPreconditionError, InvalidArgumentError, NotImplementedByServerError, VisitsarchError, from_rpc_error
from ._hash import visits_sha256
from .gateway.v1 import gateway_service_pb2 as gw
from .gateway.v1 import gateway_service_pb2_grpc as gw_grpc
from .metadata.v1 import metadata_service_pb2 as md
from .metadata.v1 import metadata_service_pb2_grpc as md_grpc
from .stats.v1 import stats_service_pb2_grpc as st_grpc
from .type.v1 import common_pb2

DEFAULT_GATEWAY = "127.0.0.1:50051"
#: Base URL of the USDF ConsDB HTTP API (the default ConsDB endpoint).
USDF_CONSDB = "https://usdf-rsp.slac.stanford.edu/consdb"
#: The production archive of pre-night and progress simulations at USDF.
USDF_OPSIM_ARCHIVE = "s3://rubin:rubin-scheduler-prenight/opsim/vseq/"

_FILE_CHUNK = 1 << 20
_MAX_MESSAGE = 16 * 1024 * 1024
# The longest statement timeout a query that asks for none can get: the archive's default
# (QUERY_DEFAULT_TIMEOUT_S, 10 s unless the deployment sets it) is at most its QUERY_MAX_TIMEOUT_S,
# itself 300 s by default. The client cannot know the deployment's default, so without ``timeout=``
# the call waits longer than this, and the archive's own "query timed out" error arrives first
# (cli/src/gateway.ts, SERVER_LIMIT_S.query, likewise).
_QUERY_SERVER_LIMIT_S = 300.0
_KINDS = {"simulation": 1, "completed": 2, "mixed": 3}
# The rows a query returns when it asks for no max_rows (QueryRequest.max_rows 0).
_QUERY_DEFAULT_MAX_ROWS = 1_000_000
# Integers this far apart are taken as MJDs (the years 1968 to 2132) rather than as YYYYMMDD
# day_obs, which are at least 19000101: the two ranges do not meet.
_MJD_RANGE = (40_000, 100_000)
_DAY_OBS_FORMS = (
    "give a date (the day_obs itself), a datetime or pandas Timestamp (its night: the UTC date 12 h earlier), "
    "'YYYY-MM-DD' or 'YYYYMMDD' text, a YYYYMMDD integer, an MJD (a number from 40000 to 100000) or an astropy Time"
)


def _day_obs(value: Any, name: str) -> str | None:
    """A day_obs for the wire: ``YYYY-MM-DD`` from a date (the day_obs itself), a datetime or
    Timestamp (its night: the UTC date 12 h earlier, naive ones taken as UTC), an int 20250814,
    or text; an astropy Time or an MJD (an int or a float from 40000 to 100000) becomes its
    day_obs, the UTC date 12 h before it."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return (value.astimezone(_dt.timezone.utc) - _dt.timedelta(hours=12)).date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if value >= 10_000_000:
            return str(int(value))
        if _MJD_RANGE[0] <= value <= _MJD_RANGE[1]:
            return _day_obs(float(value), name)
    elif isinstance(value, (float, np.floating)) and _MJD_RANGE[0] <= value <= _MJD_RANGE[1]:
        # an MJD, as sim_start/sim_end in the spec's example
        return (_dt.date(1858, 11, 17) + _dt.timedelta(days=int(np.floor(float(value) - 0.5)))).isoformat()
    elif hasattr(value, "mjd"):  # astropy.time.Time
        return _day_obs(float(value.mjd), name)
    elif isinstance(value, str):
        return value
    raise InvalidArgumentError(f"{name}: cannot use {value!r:.60} as a day_obs: {_DAY_OBS_FORMS}")


def _timestamp(value: Any) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value.astimezone(_dt.timezone.utc))
    return stamp


def _jsonable(value: Any, where: str = "sim_runner_args") -> Any:
    """sim_runner_args may hold schedulers, observatories, numpy values…: keep JSON as is, record
    the rest by repr. An integer a Struct's doubles would round (beyond 2**53) is refused, naming
    where it is (``where``, e.g. ``sim_runner_args['seed']``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_EXACT_INTEGER:
        raise InvalidArgumentError(
            f"{where} = {value} exceeds 2**53: the archive keeps numbers as doubles, which would round it; store it as a string (str({value}))"
        )
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item, f"{where}[{str(key)!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return repr(value)


def _struct(mapping: dict[str, Any] | None, name: str = "sim_runner_args") -> struct_pb2.Struct | None:
    if mapping is None:
        return None
    if not isinstance(mapping, Mapping):
        raise InvalidArgumentError(f"{name} must be a dict of sim_runner's keyword arguments, got {type(mapping).__name__}")
    struct = struct_pb2.Struct()
    struct.update(_jsonable(dict(mapping), name))
    return struct


def _scheduler_version() -> str | None:
    try:
        import rubin_scheduler

        return rubin_scheduler.__version__
    except Exception:
        return None


class VisitSequenceArchive:
    """A connection to a visitsarch archive (its gateway).

    Parameters
    ----------
    gateway : str, optional
        ``host:port`` of the gateway; default ``$VISITSARCH_GATEWAY`` or ``127.0.0.1:50051``.
    timeout : float, optional
        Seconds each call may take (uploads and downloads get ``transfer_timeout``; :meth:`query`
        waits for its own ``timeout``). The default, 66 s, outlasts the archive's own 60 s limit
        on its reads, so its clearer error arrives first.
    transfer_timeout : float, optional
        Seconds an upload or download may take.
    flight : bool, optional
        Read visit tables with Arrow Flight straight from the blob archive when the gateway
        offers its location and it is reachable (the fast path); otherwise, or with
        ``flight=False``, they are streamed through the gateway. Both are verified.
    token : str, optional
        The bearer token every call carries (an archive token, ``vsa_…``); default
        ``$VISITSARCH_TOKEN``, else the file ``$VISITSARCH_TOKEN_FILE``, else
        ``$VISITSARCH_HOME/token``, which ``npm start`` writes. Without one the archive answers
        :class:`AuthenticationError`.
    tls_ca_file : str or path, optional
        Connect with TLS, verifying the gateway (and the Arrow Flight location, ``grpc+tls://``)
        against this CA bundle (PEM); default ``$VISITSARCH_TLS_CA_FILE``. ``$VISITSARCH_TLS=1``
        turns TLS on with the system's CAs.

    Examples
    --------
    >>> with VisitSequenceArchive() as archive:                      # doctest: +SKIP
    ...     uuid = archive.add_simulation(visits, label="my simulation", telescope="simonyi")
    ...     archive.tag(uuid, ["example", "nominal"])
    """

    def __init__(
        self,
        gateway: str | None = None,
        timeout: float = 66.0,
        transfer_timeout: float = 3960.0,
        flight: bool = True,
        token: str | None = None,
        tls_ca_file: str | os.PathLike[str] | None = None,
    ) -> None:
        if gateway is not None and not isinstance(gateway, str):
            raise InvalidArgumentError(f"gateway must be a string host:port, got {type(gateway).__name__}: {gateway!r:.60}")
        self.gateway = gateway or os.environ.get("VISITSARCH_GATEWAY") or DEFAULT_GATEWAY
        self.timeout = _seconds(timeout, "timeout")
        self.transfer_timeout = _seconds(transfer_timeout, "transfer_timeout")
        self.flight = flight
        self._closed = False
        self._flight_clients: dict[str, Any] = {}
        found = find_token(token)
        # Sent as metadata on every call, not as call credentials, which gRPC allows only over TLS.
        self._auth: list[tuple[str, str]] = [("authorization", f"Bearer {found}")] if found else []
        self._tls = find_tls(tls_ca_file)
        options = [
            ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.max_send_message_length", _MAX_MESSAGE),
            # Server-streaming calls (query_night, prenight_sims, query, downloads) read their messages
            # on the calling thread instead of starting a thread per call: half the client's CPU of a
            # small query (docs/benchmarks.md).
            (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1),
        ]
        if self._tls is None:
            self._channel = grpc.insecure_channel(self.gateway, options=options)
        else:
            credentials = grpc.ssl_channel_credentials(root_certificates=self._tls.root_certificates)
            self._channel = grpc.secure_channel(self.gateway, credentials, options=options)
        # The gateway serves GatewayService, and forwards MetadataService and StatsService, on one channel.
        self._stubs = (gw_grpc.GatewayServiceStub(self._channel), md_grpc.MetadataServiceStub(self._channel), st_grpc.StatsServiceStub(self._channel))

    def __enter__(self) -> VisitSequenceArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called (or the ``with`` block ended): calls then raise."""
        return self._closed

    def close(self) -> None:
        """Closes the connection."""
        self._closed = True
        for client in self._flight_clients.values():
            client.close()
        self._flight_clients.clear()
        self._channel.close()

    # -- calls -------------------------------------------------------------------------

    def _rpc(self, method: str) -> Any:
        """The RPC named ``method`` of whichever of the gateway's services declares it (each name is declared once)."""
        if self._closed:
            raise VisitsarchError("this VisitSequenceArchive is closed (close(), or the end of its with block): make a new one")
        for stub in self._stubs:
            if hasattr(stub, method):
                return getattr(stub, method)
        raise AttributeError(f"no RPC {method} at the gateway")

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        try:
            return self._rpc(method)(request, timeout=timeout or self.timeout, metadata=self._metadata())
        except grpc.RpcError as error:
            raise from_rpc_error(error, self.gateway) from None

    def _stream(self, method: str, request: Any, timeout: float | None = None) -> Iterator[Any]:
        try:
            yield from self._rpc(method)(request, timeout=timeout or self.transfer_timeout, metadata=self._metadata())
        except grpc.RpcError as error:
            raise from_rpc_error(error, self.gateway) from None

    def _metadata(self) -> list[tuple[str, str]]:
        """What every call carries: its trace context and the bearer token."""
        return _trace_metadata() + self._auth

    def _flight_table(self, request: Any) -> pa.Table | None:
        """The visits read with Arrow Flight from the location the gateway names; None when the
        gateway offers none for them (e.g. an unmaterialized mixed sequence) or the location
        cannot serve them (unreachable, or any failure: the gateway's stream then reports it)."""
        try:
            endpoint = self._call("GetVisitsFlightEndpoint", request)
        except (FailedPreconditionError, NotImplementedByServerError):
            return None
        import pyarrow.flight as flight

        try:
            client = self._flight_clients.get(endpoint.location)
            if client is None:
                # A grpc+tls:// location is verified against the gateway's CA bundle, if one was given (else the system's CAs).
                roots = self._tls.root_certificates if self._tls is not None else None
                client = self._flight_clients[endpoint.location] = flight.connect(endpoint.location, tls_root_certs=roots)
            # The ticket is bound to the caller: DoGet presents the same token as the call that got it.
            headers = [(key.encode(), value.encode()) for key, value in self._auth]
            reader = client.do_get(flight.Ticket(endpoint.ticket), options=flight.FlightCallOptions(timeout=self.transfer_timeout, headers=headers))
            return reader.read_all()
        except (flight.FlightError, pa.ArrowException, OSError):
            return None

    def _table(self, method: str, request: Any, timeout: float | None = None) -> pd.DataFrame:
        """The table a response stream carries. Where the responses say so (Query's last message),
        ``attrs["truncated"]`` (whether rows beyond max_rows were dropped) and
        ``attrs["total_rows"]`` (the rows sent) are set from the last message."""
        last: list[Any] = []

        def chunks() -> Iterator[bytes]:
            for message in self._stream(method, request, timeout):
                last[:] = [message]
                yield message.chunk.ipc_bytes

        frame = _arrow.to_pandas(_arrow.read_chunks(chunks()))
        if last:
            fields = last[0].DESCRIPTOR.fields_by_name
            if "truncated" in fields:
                frame.attrs["truncated"] = bool(last[0].truncated)
            if "total_rows" in fields:
                frame.attrs["total_rows"] = int(last[0].total_rows) or len(frame)
        return frame

    # -- adding ------------------------------------------------------------------------

    def add_simulation(
        self,
        visits: Any,
        label: str,
        telescope: str = "simonyi",
        first_day_obs: Any = None,
        last_day_obs: Any = None,
        creation_time: Any = None,
        scheduler_version: str | None = None,
        config_url: str | None = None,
        sim_runner_args: dict[str, Any] | None = None,
        conda_env_sha256: str | bytes | None = None,
        parent_visitseq_uuid: str | None = None,
        parent_last_day_obs: Any = None,
        archive: str | None = None,
        tags: Sequence[str] = (),
        request_id: str | None = None,
        parent_last_dayobs: Any = None,
    ) -> str:
        """Records a simulation in the ``simulations`` table and stores its visits.

        Parameters
        ----------
        visits : pandas.DataFrame, numpy structured array, pyarrow.Table or path
            The simulated visits (e.g. the ``obs`` array ``sim_runner`` returns).
        label : str
            Label for plots and tables.
        telescope : str
            ``"simonyi"`` or ``"auxtel"``.
        first_day_obs, last_day_obs : date, str, int or MJD, optional
            Nights simulated; default: those of the first and last visits.
        creation_time : datetime, optional
            When the simulation ran; default: now.
        scheduler_version : str, optional
            Default: the installed ``rubin_scheduler.__version__``, if any.
        config_url, sim_runner_args, conda_env_sha256, parent_visitseq_uuid, parent_last_day_obs
            Provenance, as in the specification's ``simulations`` table. Values of
            ``sim_runner_args`` that are not JSON are recorded by their ``repr``.
        parent_last_dayobs : date, str, int or MJD, optional
            ``parent_last_day_obs`` as the specification's example spells it (give one of the two).
        archive : str, optional
            Base URL of the archive for the visits; ``""`` records the metadata only.
        tags : sequence of str
            Tags to give the simulation.
        request_id : str, optional
            A UUID making retries safe (a retry returns the first result); one is made per call.

        Returns
        -------
        str
            The new ``visitseq_uuid``.
        """
        if parent_last_dayobs is not None:
            if parent_last_day_obs is not None and _day_obs(parent_last_day_obs, "parent_last_day_obs") != _day_obs(parent_last_dayobs, "parent_last_dayobs"):
                raise InvalidArgumentError(f"parent_last_day_obs={parent_last_day_obs!r} and parent_last_dayobs={parent_last_dayobs!r} disagree: give one of them")
            parent_last_day_obs = parent_last_dayobs
        header = _message(gw.AddSimulationHeader,
            label=label,
            telescope=telescope,
            first_day_obs=_day_obs(first_day_obs, "first_day_obs"),
            last_day_obs=_day_obs(last_day_obs, "last_day_obs"),
            creation_time=_timestamp(creation_time),
            scheduler_version=scheduler_version or _scheduler_version(),
            config_url=config_url,
            sim_runner_args=_struct(sim_runner_args),
            conda_env_sha256=bytes.fromhex(conda_env_sha256) if isinstance(conda_env_sha256, str) else conda_env_sha256,
            parent_visitseq_uuid=str(parent_visitseq_uuid) if parent_visitseq_uuid else None,
            parent_last_day_obs=_day_obs(parent_last_day_obs, "parent_last_day_obs"),
            archive_url=archive,
            tags=_strings(tags, "tags"),
            request_id=request_id or str(_uuid.uuid4()),
        )
        return self._upload_visits("AddSimulation", gw.AddSimulationRequest, header, visits).visitseq_uuid

    def add_completed(
        self,
        visits: Any,
        label: str,
        telescope: str = "simonyi",
        first_day_obs: Any = None,
        last_day_obs: Any = None,
        creation_time: Any = None,
        query: str | None = None,
        archive: str | None = None,
        tags: Sequence[str] = (),
        request_id: str | None = None,
    ) -> str:
        """Records completed visits in the ``completed`` table and stores them; returns the new UUID.

        Parameters are as for :meth:`add_simulation`; ``query`` is the query that produced the visits.
        """
        header = _message(gw.AddCompletedHeader,
            label=label,
            telescope=telescope,
            first_day_obs=_day_obs(first_day_obs, "first_day_obs"),
            last_day_obs=_day_obs(last_day_obs, "last_day_obs"),
            creation_time=_timestamp(creation_time),
            query=query,
            archive_url=archive,
            tags=_strings(tags, "tags"),
            request_id=request_id or str(_uuid.uuid4()),
        )
        return self._upload_visits("AddCompleted", gw.AddCompletedRequest, header, visits).visitseq_uuid

    def add_mixed(
        self,
        label: str,
        early_parent_uuid: str,
        late_parent_uuid: str,
        last_early_day_obs: Any,
        first_late_day_obs: Any,
        telescope: str = "",
        materialize: bool = False,
        archive: str | None = None,
        tags: Sequence[str] = (),
        request_id: str | None = None,
    ) -> str:
        """Records a mixed sequence: the early parent's visits through ``last_early_day_obs``,
        then the late parent's from ``first_late_day_obs``; returns the new UUID.
        With ``materialize`` the spliced visits are stored too."""
        response = self._call(
            "AddMixed",
            _message(gw.AddMixedRequest,
                label=label,
                telescope=telescope,
                early_parent_uuid=str(early_parent_uuid),
                late_parent_uuid=str(late_parent_uuid),
                last_early_day_obs=_day_obs(last_early_day_obs, "last_early_day_obs"),
                first_late_day_obs=_day_obs(first_late_day_obs, "first_late_day_obs"),
                materialize=materialize,
                archive_url=archive,
                tags=_strings(tags, "tags"),
                request_id=request_id or str(_uuid.uuid4()),
            ),
            timeout=self.transfer_timeout,
        )
        return response.visitseq_uuid

    def _upload_visits(self, method: str, request_type: Any, header: Any, visits: Any) -> Any:
        table = _arrow.to_arrow_table(visits)

        def messages() -> Iterator[bytes]:
            yield request_type(header=header).SerializeToString()
            yield from _arrow.upload_requests(table, request_type.DESCRIPTOR.fields_by_name["chunk"].number)

        # The requests are sent serialized (see upload_requests): the gateway method is called
        # without a request serializer, with the stub's response type.
        rpc = gw.DESCRIPTOR.services_by_name["GatewayService"].methods_by_name[method]
        self._rpc(method)  # refuses a closed archive
        upload = self._channel.stream_unary(f"/{rpc.containing_service.full_name}/{method}", request_serializer=None, response_deserializer=getattr(gw, rpc.output_type.name).FromString)
        try:
            return upload(messages(), timeout=self.transfer_timeout, metadata=self._metadata())
        except grpc.RpcError as error:
            raise from_rpc_error(error, self.gateway) from None

    # -- annotating --------------------------------------------------------------------

    def tag(self, visitseq_uuid: str, tags: str | Sequence[str]) -> list[str]:
        """Adds tags to a sequence (present ones are kept once); returns all its tags."""
        tags = _strings(tags, "tags")
        return list(self._call("AddTags", _message(md.AddTagsRequest, visitseq_uuid=str(visitseq_uuid), tags=tags)).tags)

    def untag(self, visitseq_uuid: str, tags: str | Sequence[str], allow_missing: bool = False) -> list[str]:
        """Removes tags from a sequence; returns its remaining tags."""
        tags = _strings(tags, "tags")
        return list(self._call("RemoveTags", _message(md.RemoveTagsRequest, visitseq_uuid=str(visitseq_uuid), tags=tags, allow_missing=allow_missing)).tags)

    def is_tagged(self, visitseq_uuid: str, tag: str) -> bool:
        """Whether the sequence carries the tag."""
        return self._call("CheckTag", _message(md.CheckTagRequest, visitseq_uuid=str(visitseq_uuid), tag=tag)).tagged

    def comment(self, visitseq_uuid: str, comment: str, author: str | None = None) -> None:
        """Adds a comment. Its author is the caller's identity (the owner of the token); ``author``,
        if given, only confirms it: the archive refuses another name (PermissionDeniedError)."""
        self._call("AddComment", _message(md.AddCommentRequest, visitseq_uuid=str(visitseq_uuid), comment=comment, author=author))

    def comments(self, visitseq_uuid: str) -> pd.DataFrame:
        """The comments on a sequence, oldest first (columns comment_time, author, comment)."""
        rows, token = [], ""
        while True:
            page = self._call("ListComments", _message(md.ListCommentsRequest, visitseq_uuid=str(visitseq_uuid), page_size=1000, page_token=token))
            rows += [
                {"comment_time": pd.Timestamp(c.comment_time.ToDatetime(tzinfo=_dt.timezone.utc)), "author": c.author if c.HasField("author") else None, "comment": c.comment}
                for c in page.comments
            ]
            token = page.next_page_token
            if not token:
                return pd.DataFrame(rows, columns=["comment_time", "author", "comment"])

    def save_env(self, visitseq_uuid: str | None = None, conda_list_json: str | None = None) -> str:
        """Records the current conda environment (``conda list --json``), linked to a
        simulation if ``visitseq_uuid`` is given; returns its SHA-256 (hex)."""
        if conda_list_json is None:
            try:
                conda_list_json = subprocess.run(["conda", "list", "--json"], check=True, capture_output=True, text=True).stdout
            except FileNotFoundError:
                raise VisitsarchError("conda is not on PATH: activate a conda environment, or pass conda_list_json") from None
            except subprocess.CalledProcessError as error:
                raise VisitsarchError(f"`conda list --json` failed: {error.stderr.strip()}") from None
        response = self._call("RecordCondaEnv", _message(md.RecordCondaEnvRequest, conda_env_json=conda_list_json, visitseq_uuid=str(visitseq_uuid) if visitseq_uuid else None))
        return response.conda_env_hash.hex()

    # -- files -------------------------------------------------------------------------

    def add_file(self, visitseq_uuid: str, file_type: str, obj_or_path: Any, archive: str | None = None, replace: bool = False, file_name: str | None = None) -> str:
        """Stores a file of a sequence and records it; returns its URL.

        ``obj_or_path`` may be a path (the file is uploaded as is), a DataFrame or Series or a
        list of them (stored as HDF5, one key per object), or any other object (pickled).
        ``[rewards, obs_rewards]`` as ``sim_runner`` returns them (a DataFrame and a Series) is
        stored under the keys ``reward_df`` and ``obs_rewards``, as rubin_sim's ``rewards.h5``.
        """
        if isinstance(obj_or_path, (str, Path)):
            path = Path(obj_or_path)
            data, name = path.read_bytes(), file_name or path.name
        elif _is_pandas(obj_or_path) or (isinstance(obj_or_path, (list, tuple)) and obj_or_path and all(_is_pandas(f) for f in obj_or_path)):
            data, name = _hdf5_bytes(obj_or_path, file_type), file_name or f"{file_type}.h5"
        else:
            data, name = pickle.dumps(obj_or_path, protocol=pickle.HIGHEST_PROTOCOL), file_name or f"{file_type}.pickle"
        header = _message(gw.AddFileHeader,
            visitseq_uuid=str(visitseq_uuid), file_type=file_type, archive_url=archive, replace=replace, file_name=name,
            expected_file_sha256=hashlib.sha256(data).digest(), request_id=str(_uuid.uuid4()),
        )

        def messages() -> Iterator[gw.AddFileRequest]:
            yield _message(gw.AddFileRequest, header=header)
            for start in range(0, len(data), _FILE_CHUNK):
                yield _message(gw.AddFileRequest, data=data[start : start + _FILE_CHUNK])

        return self._call("AddFile", messages(), timeout=self.transfer_timeout).file_url

    def download(self, visitseq_uuid: str, file_type: str = "visits", first_day_obs: Any = None, last_day_obs: Any = None, columns: Sequence[str] | None = None) -> Any:
        """Downloads the visits or another file of a sequence, verified against its SHA-256.

        Returns
        -------
        pandas.DataFrame, list of DataFrame, object or bytes
            ``visits``: a DataFrame (streamed as Arrow; optionally only some nights or columns).
            An HDF5 file: a DataFrame (or Series), or a list of them if it has several keys. A pickle: the
            unpickled object (only after the hash check passed). Anything else: the bytes.
        """
        if file_type == "visits":
            selection = dict(
                visitseq_uuid=str(visitseq_uuid),
                day_obs_range=common_pb2.DayObsRange(first_day_obs=_day_obs(first_day_obs, "first_day_obs") or "", last_day_obs=_day_obs(last_day_obs, "last_day_obs") or ""),
                columns=_strings(columns, "columns"),
            )
            table = self._flight_table(_message(gw.GetVisitsFlightEndpointRequest, **selection)) if self.flight else None
            if table is not None:
                return _arrow.to_pandas(table)
            return self._table("DownloadVisits", _message(gw.DownloadVisitsRequest, **selection))
        data, record = self._download_bytes(visitseq_uuid, file_type)
        if data[:8] == b"\x89HDF\r\n\x1a\n":
            return _read_hdf5_bytes(data)
        if data[:1] == b"\x80" or (record.file_url or "").endswith((".p", ".pkl", ".pickle")):
            return pickle.loads(data)  # noqa: S301 - the bytes passed the SHA-256 recorded when they were stored
        return data

    def _download_bytes(self, visitseq_uuid: str, file_type: str) -> tuple[bytes, Any]:
        pieces, record = [], None
        for message in self._stream("DownloadFile", _message(gw.DownloadFileRequest, visitseq_uuid=str(visitseq_uuid), file_type=file_type)):
            if message.HasField("file"):
                record = message.file
            pieces.append(message.data)
        data = b"".join(pieces)
        if record is None or hashlib.sha256(data).digest() != record.file_sha256:
            raise VisitsarchError(f"the {file_type} file of {visitseq_uuid} does not match its recorded SHA-256; nothing was returned")
        return data, record

    # -- querying ----------------------------------------------------------------------

    def get(self, visitseq_uuid: str) -> dict[str, Any]:
        """The record of one sequence, as a dict with the specification's column names: hashes
        as hex (as ``visits_sha256`` and ``visitsarch show`` give them), ``kind`` as
        ``"simulation"``, ``"completed"`` or ``"mixed"``, ``visitseq_url`` None when no visits
        are stored, and the kind's own columns under ``simulation``, ``completed`` or ``mixed``."""
        from google.protobuf.json_format import MessageToDict

        sequence = self._call("GetVisitSequence", _message(md.GetVisitSequenceRequest, visitseq_uuid=str(visitseq_uuid))).visit_sequence
        record = MessageToDict(sequence, preserving_proto_field_name=True)
        record["visitseq_sha256"] = sequence.visitseq_sha256.hex()
        record["kind"] = next((name for name, number in _KINDS.items() if number == sequence.kind), record.get("kind"))
        record.setdefault("visitseq_url", None)
        record.setdefault("tags", [])
        if sequence.HasField("simulation") and sequence.simulation.HasField("conda_env_sha256"):
            record["simulation"]["conda_env_sha256"] = sequence.simulation.conda_env_sha256.hex()
        return record

    def query(self, sql: str, max_rows: int = 0, timeout: float | None = None) -> pd.DataFrame:
        """Runs read-only SQL over the archive's tables and views; returns a DataFrame.

        ``timeout`` (seconds) is the statement's own limit (at most the archive's
        ``QUERY_MAX_TIMEOUT_S``, 300 s by default); unset, the archive's default applies
        (``QUERY_DEFAULT_TIMEOUT_S``, 10 s by default). The call waits a little longer, so that
        the archive's own "query timed out" error is what arrives.

        ``max_rows`` (0: 1,000,000; at most the archive's configured maximum) caps the rows
        returned. A result cut there warns (``UserWarning``) and has ``attrs["truncated"]`` True;
        ``attrs["total_rows"]`` is the number of rows returned.
        """
        max_rows = _integer(max_rows, "max_rows", 0, 2**31 - 1, "2**31-1 (0 means 1,000,000)")
        request = _message(md.QueryRequest, sql=sql, max_rows=max_rows)
        if timeout is not None:
            timeout = _seconds(timeout, "timeout")
            request.timeout.FromNanoseconds(round(timeout * 1e9))
        # Unset, the deployment's default applies, which may be anything up to its maximum.
        limit = timeout if timeout is not None else _QUERY_SERVER_LIMIT_S
        frame = self._table("Query", request, timeout=limit * 1.1 + 5)
        if frame.attrs.get("truncated"):
            returned = len(frame)
            total = frame.attrs.get("total_rows", returned)
            asked = f"max_rows={max_rows}" if max_rows else f"the default max_rows, {_QUERY_DEFAULT_MAX_ROWS:,}"
            known = f" of {total:,}" if total > returned else " (the archive does not say how many there were)"
            warnings.warn(
                f"query returned only the first {returned:,} rows{known}: the result was cut at {asked} or the archive's own maximum; "
                "pass a larger max_rows= (up to the archive's maximum) or narrow the SQL (WHERE, LIMIT, aggregates) to get the rest",
                stacklevel=2,
            )
        return frame

    def query_night(self, day_obs: Any, telescope: str = "simonyi", earliest_sim: Any = None, columns: Sequence[str] | None = None, tags: Sequence[str] | None = None, last_day_obs: Any = None) -> pd.DataFrame:
        """Simulations, completed and mixed sequences of a telescope covering a night (or the
        nights through ``last_day_obs``), created no earlier than ``earliest_sim``, carrying all
        ``tags``; with the requested ``columns`` plus tags and comments."""
        if earliest_sim is not None and not isinstance(earliest_sim, _dt.datetime):
            start = _dt.date.fromisoformat(_iso(_day_obs(earliest_sim, "earliest_sim")))
            earliest_sim = _dt.datetime(start.year, start.month, start.day, 12, tzinfo=_dt.timezone.utc)
        request = _message(md.QueryNightRequest,
            first_day_obs=_day_obs(day_obs, "day_obs"),
            last_day_obs=_day_obs(last_day_obs, "last_day_obs") or "",
            telescope=telescope,
            earliest_creation_time=_timestamp(earliest_sim),
            tags=_strings(tags, "tags"),
            columns=_strings(columns, "columns"),
        )
        return self._table("QueryNight", request)

    def prenight_sims(self, day_obs: Any, telescope: str = "simonyi", tags: Sequence[str] = ()) -> pd.DataFrame:
        """The pre-night simulations covering a night, newest first, with the URLs of their visits
        and rewards and that night's statistics: those with every one of ``tags`` (default: the
        single tag ``prenight``)."""
        return self._table("PrenightSims", _message(md.PrenightSimsRequest, day_obs=_day_obs(day_obs, "day_obs"), telescope=telescope, tags=_strings(tags, "tags")))

    # -- ConsDB -------------------------------------------------------------------------

    def query_consdb(
        self,
        query: str | None = None,
        label: str | None = None,
        telescope: str = "simonyi",
        first_dayobs: Any = None,
        last_dayobs: Any = None,
        endpoint: str | None = None,
        archive: str | None = None,
        **kwargs: Any,
    ) -> tuple[pd.DataFrame, str]:
        """Queries ConsDB for completed visits (default: the telescope's science-visit query),
        records them as a ``completed`` sequence (stored in ``archive``; ``""`` for metadata only)
        and returns ``(visits, visitseq_uuid)``, the visits in the opsim schema."""
        from ._consdb import query_consdb

        return query_consdb(self, query=query, label=label, telescope=telescope, first_dayobs=first_dayobs, last_dayobs=last_dayobs, endpoint=endpoint, archive_url=archive, **kwargs)

    # -- statistics ---------------------------------------------------------------------

    def nightly_stats(self, visitseq_uuid: str, columns: Sequence[str] | None = None, accumulated: bool = True, store: bool = True) -> pd.DataFrame:
        """The nightly statistics (count, mean, std, min, p05, q1, median, q3, p95, max) of a stored
        sequence's visits, per night and accumulated through each night, computed by the archive
        (and stored in ``nightly_stats`` unless ``store=False``). See :func:`visitsarch._stats.nightly_stats`."""
        from ._stats import nightly_stats

        return nightly_stats(self, visitseq_uuid, columns=columns, accumulated=accumulated, store=store, _stacklevel=3)

    def plot_nightly(self, visitseq_uuids: str | Sequence[str], value: str, accumulated: bool = False) -> Any:
        """Box-and-whisker plots of a value, night by night, for one or several sequences, as a
        matplotlib Figure (needs matplotlib)."""
        from ._stats import plot_nightly

        return plot_nightly(self, visitseq_uuids, value, accumulated=accumulated)

    @staticmethod
    def visits_sha256(visits: pd.DataFrame | np.ndarray) -> str:
        """The canonical visit-table hash, computed locally with numpy exactly as the archive does."""
        return visits_sha256(visits)

    def adopt_visits(self, visitseq_uuid: str, visits: Any = None, archive: str | None = None, in_place: bool = False) -> dict[str, Any]:
        """Stores the visits of a sequence recorded without them (e.g. by ``import_upstream``),
        recording their canonical hash as its ``visitseq_sha256`` (an upstream's hash cannot be
        reproduced). The sequence must have no stored visits.

        Parameters
        ----------
        visitseq_uuid : str
            The sequence.
        visits : pandas.DataFrame, numpy structured array, pyarrow.Table or path, optional
            The visits; default: the file the sequence's ``visitseq_url`` names, if it is a
            ``file://`` URL of a file on this machine (e.g. rubin_sim's ``visits.h5``).
        archive : str, optional
            Base URL of the archive for the visits; default: the gateway's.
        in_place : bool
            Register the object at the sequence's ``visitseq_url`` where it is (it must be in the
            archive's storage, e.g. an upstream archive directory the archive is pointed at)
            instead of copying it: the archive reads it once, records its SHA-256 and size, and
            verifies every read against them. Give no ``visits`` and no ``archive`` with it.

        Returns
        -------
        dict
            ``visitseq_url`` (where the visits are now stored), ``row_count``,
            ``visitseq_sha256`` (the canonical hash, hex) and ``previous_visitseq_sha256`` (the
            hash it replaced, hex; empty if it was already the canonical one).
        """
        if in_place:
            if visits is not None or archive is not None:
                raise ValueError("in_place adopts the object at the sequence's visitseq_url: give no visits and no archive")
            adopted = self._call("AdoptStoredVisits", _message(gw.AdoptStoredVisitsRequest, visitseq_uuid=str(visitseq_uuid)), timeout=self.transfer_timeout)
            return {
                "visitseq_url": adopted.file.file_url,
                "row_count": adopted.row_count,
                "visitseq_sha256": adopted.visitseq_sha256.hex(),
                "previous_visitseq_sha256": adopted.previous_visitseq_sha256.hex(),
            }
        if visits is None:
            from urllib.parse import unquote, urlparse

            url = self.get(visitseq_uuid).get("visitseq_url")
            parsed = urlparse(url or "")
            if parsed.scheme != "file" or parsed.netloc not in ("", "localhost") or not os.path.isfile(unquote(parsed.path)):
                raise ValueError(f"the visitseq_url of {visitseq_uuid} ({url or 'none'}) is not a file on this machine: give the visits")
            visits = unquote(parsed.path)
        header = _message(gw.ArchiveVisitsHeader, visitseq_uuid=str(visitseq_uuid), archive_url=archive, adopt_canonical_hash=True)
        response = self._upload_visits("ArchiveVisits", gw.ArchiveVisitsRequest, header, visits)
        return {
            "visitseq_url": response.visitseq_url,
            "row_count": response.row_count,
            "visitseq_sha256": response.visitseq_sha256.hex(),
            "previous_visitseq_sha256": response.previous_visitseq_sha256.hex(),
        }

    # -- the upstream's prototype archive ------------------------------------------------

    def import_sim_from_prototype_sim_archive(self, archive_base: str | None, sim_date: Any, sim_index: int | str, proto_sim_archive_url: str | None = None) -> str:
        """Records a simulation of the upstream's prototype archive (``<proto>/<sim_date>/<sim_index>/sim_metadata.yaml``),
        as ``visitsarch import_proto`` does; returns its new ``visitseq_uuid`` (see :mod:`visitsarch.proto_archive`)."""
        from .proto_archive import import_sim_from_prototype_sim_archive

        return import_sim_from_prototype_sim_archive(archive_base, sim_date, sim_index, proto_sim_archive_url, archive=self)

    def export_sim_to_prototype_sim_archive(self, visitseq_uuid: str, proto_sim_archive_url: str | None = None) -> str:
        """Writes a simulation to a new entry ``<proto>/<UTC today>/<n>/`` of the upstream's prototype archive,
        as ``visitsarch export_proto`` does; returns the entry's URL (see :mod:`visitsarch.proto_archive`)."""
        from .proto_archive import export_sim_to_prototype_sim_archive

        return export_sim_to_prototype_sim_archive(visitseq_uuid, proto_sim_archive_url, archive=self)


def _trace_metadata() -> list[tuple[str, str]]:
    """The W3C trace context (``traceparent``, ``tracestate``) a call carries, so the archive's spans
    and log lines join the caller's trace: the current OpenTelemetry span's when the
    ``opentelemetry`` API is installed and a span is current, else a trace of the call's own."""
    carrier: dict[str, str] = {}
    propagator = _w3c_propagator()
    if propagator is not None:
        propagator.inject(carrier)  # nothing when no valid span is current
    if "traceparent" not in carrier:
        return [("traceparent", _new_traceparent())]
    return [(key, carrier[key]) for key in ("traceparent", "tracestate") if carrier.get(key)]


def _new_traceparent() -> str:
    """A ``traceparent`` starting a new, sampled trace: random trace and parent ids."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


_propagator: Any = False  # not looked for yet


def _w3c_propagator() -> Any:
    """OpenTelemetry's W3C trace-context propagator if its API is importable (an optional dependency), else None."""
    global _propagator
    if _propagator is False:
        try:
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
        except ImportError:
            _propagator = None
        else:
            _propagator = TraceContextTextMapPropagator()
    return _propagator


def _iso(day_obs: str) -> str:
    digits = day_obs.replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


#: HDF5 keys of a two-object ``rewards`` file, those rubin_sim's ``rewards.h5`` uses (and schedview reads).
_REWARDS_KEYS = ("reward_df", "obs_rewards")


def _is_pandas(value: Any) -> bool:
    return isinstance(value, (pd.DataFrame, pd.Series))


def _hdf5_keys(count: int, file_type: str) -> list[str]:
    if file_type == "rewards" and count == len(_REWARDS_KEYS):
        return list(_REWARDS_KEYS)
    return ["data"] if count == 1 else [f"frame{index:03d}" for index in range(count)]


def _hdf5_bytes(frames: pd.DataFrame | pd.Series | Sequence[pd.DataFrame | pd.Series], file_type: str = "") -> bytes:
    import tempfile

    frames = [frames] if _is_pandas(frames) else list(frames)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "file.h5"
        for key, frame in zip(_hdf5_keys(len(frames), file_type), frames):
            frame.to_hdf(path, key=key, mode="a")
        return path.read_bytes()


def _read_hdf5_bytes(data: bytes) -> Any:
    """The pandas objects of an HDF5 file: one, or a list ordered by key (``frame000``,
    ``frame001``…), except a rewards file's ``reward_df`` before ``obs_rewards``."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "file.h5"
        path.write_bytes(data)
        with pd.HDFStore(path, mode="r") as store:
            keys = sorted(key.lstrip("/") for key in store.keys())
            if keys == sorted(_REWARDS_KEYS):
                keys = list(_REWARDS_KEYS)
            frames = [store[key] for key in keys]
    return frames[0] if len(frames) == 1 else frames
