import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visitsarch.metadata.v1 import visit_sequence_pb2 as _visit_sequence_pb2
from visitsarch.type.v1 import arrow_pb2 as _arrow_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PurgeOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURGE_OUTCOME_UNSPECIFIED: _ClassVar[PurgeOutcome]
    PURGE_OUTCOME_WOULD_PURGE: _ClassVar[PurgeOutcome]
    PURGE_OUTCOME_PURGED: _ClassVar[PurgeOutcome]
    PURGE_OUTCOME_SKIPPED: _ClassVar[PurgeOutcome]
    PURGE_OUTCOME_FAILED: _ClassVar[PurgeOutcome]

class GarbageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GARBAGE_KIND_UNSPECIFIED: _ClassVar[GarbageKind]
    GARBAGE_KIND_UNREFERENCED: _ClassVar[GarbageKind]
    GARBAGE_KIND_INCOMPLETE_UPLOAD: _ClassVar[GarbageKind]
PURGE_OUTCOME_UNSPECIFIED: PurgeOutcome
PURGE_OUTCOME_WOULD_PURGE: PurgeOutcome
PURGE_OUTCOME_PURGED: PurgeOutcome
PURGE_OUTCOME_SKIPPED: PurgeOutcome
PURGE_OUTCOME_FAILED: PurgeOutcome
GARBAGE_KIND_UNSPECIFIED: GarbageKind
GARBAGE_KIND_UNREFERENCED: GarbageKind
GARBAGE_KIND_INCOMPLETE_UPLOAD: GarbageKind

class AddSimulationHeader(_message.Message):
    __slots__ = ("label", "telescope", "first_day_obs", "last_day_obs", "creation_time", "scheduler_version", "config_url", "sim_runner_args", "conda_env_sha256", "parent_visitseq_uuid", "parent_last_day_obs", "archive_url", "tags", "request_id", "format")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_URL_FIELD_NUMBER: _ClassVar[int]
    SIM_RUNNER_ARGS_FIELD_NUMBER: _ClassVar[int]
    CONDA_ENV_SHA256_FIELD_NUMBER: _ClassVar[int]
    PARENT_VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    PARENT_LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    label: str
    telescope: str
    first_day_obs: str
    last_day_obs: str
    creation_time: _timestamp_pb2.Timestamp
    scheduler_version: str
    config_url: str
    sim_runner_args: _struct_pb2.Struct
    conda_env_sha256: bytes
    parent_visitseq_uuid: str
    parent_last_day_obs: str
    archive_url: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    format: _common_pb2.TableFormat
    def __init__(self, label: _Optional[str] = ..., telescope: _Optional[str] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduler_version: _Optional[str] = ..., config_url: _Optional[str] = ..., sim_runner_args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., conda_env_sha256: _Optional[bytes] = ..., parent_visitseq_uuid: _Optional[str] = ..., parent_last_day_obs: _Optional[str] = ..., archive_url: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class AddSimulationRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: AddSimulationHeader
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, header: _Optional[_Union[AddSimulationHeader, _Mapping]] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class AddSimulationResponse(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_url", "visitseq_sha256", "row_count", "visit_sequence")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_url: str
    visitseq_sha256: bytes
    row_count: int
    visit_sequence: _visit_sequence_pb2.VisitSequence
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ...) -> None: ...

class AddCompletedHeader(_message.Message):
    __slots__ = ("label", "telescope", "first_day_obs", "last_day_obs", "creation_time", "query", "archive_url", "tags", "request_id", "format")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    label: str
    telescope: str
    first_day_obs: str
    last_day_obs: str
    creation_time: _timestamp_pb2.Timestamp
    query: str
    archive_url: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    format: _common_pb2.TableFormat
    def __init__(self, label: _Optional[str] = ..., telescope: _Optional[str] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., query: _Optional[str] = ..., archive_url: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class AddCompletedRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: AddCompletedHeader
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, header: _Optional[_Union[AddCompletedHeader, _Mapping]] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class AddCompletedResponse(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_url", "visitseq_sha256", "row_count", "visit_sequence")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_url: str
    visitseq_sha256: bytes
    row_count: int
    visit_sequence: _visit_sequence_pb2.VisitSequence
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ...) -> None: ...

class AddMixedRequest(_message.Message):
    __slots__ = ("label", "telescope", "early_parent_uuid", "late_parent_uuid", "last_early_day_obs", "first_late_day_obs", "materialize", "archive_url", "tags", "request_id", "creation_time", "format")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    EARLY_PARENT_UUID_FIELD_NUMBER: _ClassVar[int]
    LATE_PARENT_UUID_FIELD_NUMBER: _ClassVar[int]
    LAST_EARLY_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    FIRST_LATE_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    MATERIALIZE_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    label: str
    telescope: str
    early_parent_uuid: str
    late_parent_uuid: str
    last_early_day_obs: str
    first_late_day_obs: str
    materialize: bool
    archive_url: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    creation_time: _timestamp_pb2.Timestamp
    format: _common_pb2.TableFormat
    def __init__(self, label: _Optional[str] = ..., telescope: _Optional[str] = ..., early_parent_uuid: _Optional[str] = ..., late_parent_uuid: _Optional[str] = ..., last_early_day_obs: _Optional[str] = ..., first_late_day_obs: _Optional[str] = ..., materialize: _Optional[bool] = ..., archive_url: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class AddMixedResponse(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_url", "visitseq_sha256", "row_count", "visit_sequence")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_url: str
    visitseq_sha256: bytes
    row_count: int
    visit_sequence: _visit_sequence_pb2.VisitSequence
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ...) -> None: ...

class ArchiveVisitsHeader(_message.Message):
    __slots__ = ("visitseq_uuid", "archive_url", "replace", "format", "adopt_canonical_hash")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ADOPT_CANONICAL_HASH_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    archive_url: str
    replace: bool
    format: _common_pb2.TableFormat
    adopt_canonical_hash: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., archive_url: _Optional[str] = ..., replace: _Optional[bool] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ..., adopt_canonical_hash: _Optional[bool] = ...) -> None: ...

class AdoptStoredVisitsRequest(_message.Message):
    __slots__ = ("visitseq_uuid",)
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    def __init__(self, visitseq_uuid: _Optional[str] = ...) -> None: ...

class AdoptStoredVisitsResponse(_message.Message):
    __slots__ = ("file", "row_count", "visitseq_sha256", "previous_visitseq_sha256")
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    row_count: int
    visitseq_sha256: bytes
    previous_visitseq_sha256: bytes
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., row_count: _Optional[int] = ..., visitseq_sha256: _Optional[bytes] = ..., previous_visitseq_sha256: _Optional[bytes] = ...) -> None: ...

class ArchiveVisitsRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: ArchiveVisitsHeader
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, header: _Optional[_Union[ArchiveVisitsHeader, _Mapping]] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class ArchiveVisitsResponse(_message.Message):
    __slots__ = ("visitseq_url", "row_count", "file", "previous_visitseq_sha256", "visitseq_sha256")
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    visitseq_url: str
    row_count: int
    file: _visit_sequence_pb2.VisitSequenceFile
    previous_visitseq_sha256: bytes
    visitseq_sha256: bytes
    def __init__(self, visitseq_url: _Optional[str] = ..., row_count: _Optional[int] = ..., file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., previous_visitseq_sha256: _Optional[bytes] = ..., visitseq_sha256: _Optional[bytes] = ...) -> None: ...

class AddFileHeader(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type", "archive_url", "replace", "file_name", "expected_file_sha256", "request_id")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    archive_url: str
    replace: bool
    file_name: str
    expected_file_sha256: bytes
    request_id: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ..., archive_url: _Optional[str] = ..., replace: _Optional[bool] = ..., file_name: _Optional[str] = ..., expected_file_sha256: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddFileRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: AddFileHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[AddFileHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class AddFileResponse(_message.Message):
    __slots__ = ("file_url", "file_sha256", "file_size", "file")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    file_sha256: bytes
    file_size: int
    file: _visit_sequence_pb2.VisitSequenceFile
    def __init__(self, file_url: _Optional[str] = ..., file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ...) -> None: ...

class DownloadVisitsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "day_obs_range", "columns")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_uuid: _Optional[str] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class DownloadVisitsResponse(_message.Message):
    __slots__ = ("visit_sequence", "chunk")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class GetVisitsFlightEndpointRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "day_obs_range", "columns")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_uuid: _Optional[str] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class GetVisitsFlightEndpointResponse(_message.Message):
    __slots__ = ("location", "ticket", "visit_sequence")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TICKET_FIELD_NUMBER: _ClassVar[int]
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    location: str
    ticket: bytes
    visit_sequence: _visit_sequence_pb2.VisitSequence
    def __init__(self, location: _Optional[str] = ..., ticket: _Optional[bytes] = ..., visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ...) -> None: ...

class ExportVisitsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "format", "day_obs_range", "columns")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    format: _common_pb2.TableFormat
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_uuid: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportVisitsResponse(_message.Message):
    __slots__ = ("data", "media_type", "file_name")
    DATA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    media_type: str
    file_name: str
    def __init__(self, data: _Optional[bytes] = ..., media_type: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class DownloadFileRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ...) -> None: ...

class DownloadFileResponse(_message.Message):
    __slots__ = ("file", "data")
    FILE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    data: bytes
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class DeleteVisitSequenceRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "keep_blobs", "force", "allow_missing")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    KEEP_BLOBS_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MISSING_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    keep_blobs: bool
    force: bool
    allow_missing: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., keep_blobs: _Optional[bool] = ..., force: _Optional[bool] = ..., allow_missing: _Optional[bool] = ...) -> None: ...

class DeleteVisitSequenceResponse(_message.Message):
    __slots__ = ("visit_sequence", "deleted_blob_urls", "orphaned_blob_urls")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DELETED_BLOB_URLS_FIELD_NUMBER: _ClassVar[int]
    ORPHANED_BLOB_URLS_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    deleted_blob_urls: _containers.RepeatedScalarFieldContainer[str]
    orphaned_blob_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., deleted_blob_urls: _Optional[_Iterable[str]] = ..., orphaned_blob_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteFileRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type", "keep_record", "keep_blob")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEEP_RECORD_FIELD_NUMBER: _ClassVar[int]
    KEEP_BLOB_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    keep_record: bool
    keep_blob: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ..., keep_record: _Optional[bool] = ..., keep_blob: _Optional[bool] = ...) -> None: ...

class DeleteFileResponse(_message.Message):
    __slots__ = ("file", "blob_deleted")
    FILE_FIELD_NUMBER: _ClassVar[int]
    BLOB_DELETED_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    blob_deleted: bool
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., blob_deleted: _Optional[bool] = ...) -> None: ...

class GetDefaultConsdbQueryRequest(_message.Message):
    __slots__ = ("telescope",)
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    telescope: str
    def __init__(self, telescope: _Optional[str] = ...) -> None: ...

class GetDefaultConsdbQueryResponse(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class QueryConsdbRequest(_message.Message):
    __slots__ = ("query", "label", "telescope", "first_dayobs", "last_dayobs", "endpoint", "archive_url", "incremental", "base_visitseq_uuid", "tags", "request_id", "survey_start_mjd")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAYOBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAYOBS_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    INCREMENTAL_FIELD_NUMBER: _ClassVar[int]
    BASE_VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SURVEY_START_MJD_FIELD_NUMBER: _ClassVar[int]
    query: str
    label: str
    telescope: str
    first_dayobs: str
    last_dayobs: str
    endpoint: str
    archive_url: str
    incremental: bool
    base_visitseq_uuid: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    survey_start_mjd: float
    def __init__(self, query: _Optional[str] = ..., label: _Optional[str] = ..., telescope: _Optional[str] = ..., first_dayobs: _Optional[str] = ..., last_dayobs: _Optional[str] = ..., endpoint: _Optional[str] = ..., archive_url: _Optional[str] = ..., incremental: _Optional[bool] = ..., base_visitseq_uuid: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., survey_start_mjd: _Optional[float] = ...) -> None: ...

class QueryConsdbResponse(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_url", "mixed_visitseq_uuid", "row_count", "chunk")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    MIXED_VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_url: str
    mixed_visitseq_uuid: str
    row_count: int
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., mixed_visitseq_uuid: _Optional[str] = ..., row_count: _Optional[int] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class PurgeVisitsRequest(_message.Message):
    __slots__ = ("tags", "kind", "telescope", "older_than", "file_types", "dry_run", "force", "actor")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    OLDER_THAN_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedScalarFieldContainer[str]
    kind: _common_pb2.VisitSequenceKind
    telescope: str
    older_than: _duration_pb2.Duration
    file_types: _containers.RepeatedScalarFieldContainer[str]
    dry_run: bool
    force: bool
    actor: str
    def __init__(self, tags: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[_common_pb2.VisitSequenceKind, str]] = ..., telescope: _Optional[str] = ..., older_than: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., file_types: _Optional[_Iterable[str]] = ..., dry_run: _Optional[bool] = ..., force: _Optional[bool] = ..., actor: _Optional[str] = ...) -> None: ...

class PurgedFile(_message.Message):
    __slots__ = ("file_type", "file_url", "file_size", "blob_deleted", "error")
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    BLOB_DELETED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    file_type: str
    file_url: str
    file_size: int
    blob_deleted: bool
    error: str
    def __init__(self, file_type: _Optional[str] = ..., file_url: _Optional[str] = ..., file_size: _Optional[int] = ..., blob_deleted: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class PurgeVisitsResponse(_message.Message):
    __slots__ = ("visit_sequence", "outcome", "files", "detail")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    outcome: PurgeOutcome
    files: _containers.RepeatedCompositeFieldContainer[PurgedFile]
    detail: str
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., outcome: _Optional[_Union[PurgeOutcome, str]] = ..., files: _Optional[_Iterable[_Union[PurgedFile, _Mapping]]] = ..., detail: _Optional[str] = ...) -> None: ...

class CollectGarbageRequest(_message.Message):
    __slots__ = ("archive_url", "grace", "dry_run", "actor")
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    GRACE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    archive_url: str
    grace: _duration_pb2.Duration
    dry_run: bool
    actor: str
    def __init__(self, archive_url: _Optional[str] = ..., grace: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., dry_run: _Optional[bool] = ..., actor: _Optional[str] = ...) -> None: ...

class CollectGarbageResponse(_message.Message):
    __slots__ = ("url", "size", "update_time", "kind", "removed", "error")
    URL_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    url: str
    size: int
    update_time: _timestamp_pb2.Timestamp
    kind: GarbageKind
    removed: bool
    error: str
    def __init__(self, url: _Optional[str] = ..., size: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[GarbageKind, str]] = ..., removed: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...
