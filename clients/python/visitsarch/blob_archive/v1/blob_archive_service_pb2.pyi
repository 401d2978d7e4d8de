import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visitsarch.type.v1 import arrow_pb2 as _arrow_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VisitTableDestination(_message.Message):
    __slots__ = ("archive_url", "telescope", "creation_day_obs", "visitseq_uuid", "file_name", "overwrite", "format")
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    CREATION_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    archive_url: str
    telescope: str
    creation_day_obs: str
    visitseq_uuid: str
    file_name: str
    overwrite: bool
    format: _common_pb2.TableFormat
    def __init__(self, archive_url: _Optional[str] = ..., telescope: _Optional[str] = ..., creation_day_obs: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ..., file_name: _Optional[str] = ..., overwrite: _Optional[bool] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class UploadVisitTableRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: VisitTableDestination
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, header: _Optional[_Union[VisitTableDestination, _Mapping]] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class UploadVisitTableResponse(_message.Message):
    __slots__ = ("visitseq_sha256", "file_sha256", "file_size", "file_url", "row_count", "first_day_obs", "last_day_obs", "columns")
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_sha256: bytes
    file_sha256: bytes
    file_size: int
    file_url: str
    row_count: int
    first_day_obs: str
    last_day_obs: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_sha256: _Optional[bytes] = ..., file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., file_url: _Optional[str] = ..., row_count: _Optional[int] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class HashVisitTableRequest(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class HashVisitTableResponse(_message.Message):
    __slots__ = ("visitseq_sha256", "row_count", "first_day_obs", "last_day_obs", "columns")
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_sha256: bytes
    row_count: int
    first_day_obs: str
    last_day_obs: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class InspectVisitTableRequest(_message.Message):
    __slots__ = ("file_url",)
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    def __init__(self, file_url: _Optional[str] = ...) -> None: ...

class InspectVisitTableResponse(_message.Message):
    __slots__ = ("file_sha256", "file_size", "visitseq_sha256", "row_count", "first_day_obs", "last_day_obs", "format")
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    file_sha256: bytes
    file_size: int
    visitseq_sha256: bytes
    row_count: int
    first_day_obs: str
    last_day_obs: str
    format: _common_pb2.TableFormat
    def __init__(self, file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class DownloadVisitTableRequest(_message.Message):
    __slots__ = ("file_url", "expected_file_sha256", "day_obs_range", "columns")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    expected_file_sha256: bytes
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file_url: _Optional[str] = ..., expected_file_sha256: _Optional[bytes] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class VisitTableTicket(_message.Message):
    __slots__ = ("file_url", "expected_file_sha256", "day_obs_range", "columns")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    expected_file_sha256: bytes
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file_url: _Optional[str] = ..., expected_file_sha256: _Optional[bytes] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class SignedVisitTableTicket(_message.Message):
    __slots__ = ("visit_table_ticket", "caller", "expire_time", "signature")
    VISIT_TABLE_TICKET_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    visit_table_ticket: bytes
    caller: str
    expire_time: _timestamp_pb2.Timestamp
    signature: bytes
    def __init__(self, visit_table_ticket: _Optional[bytes] = ..., caller: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class DownloadVisitTableResponse(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class ExportVisitTableRequest(_message.Message):
    __slots__ = ("file_url", "expected_file_sha256", "day_obs_range", "columns", "format")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    expected_file_sha256: bytes
    day_obs_range: _common_pb2.DayObsRange
    columns: _containers.RepeatedScalarFieldContainer[str]
    format: _common_pb2.TableFormat
    def __init__(self, file_url: _Optional[str] = ..., expected_file_sha256: _Optional[bytes] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ..., format: _Optional[_Union[_common_pb2.TableFormat, str]] = ...) -> None: ...

class ExportVisitTableResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class UploadFileHeader(_message.Message):
    __slots__ = ("archive_url", "telescope", "creation_day_obs", "visitseq_uuid", "file_name", "overwrite", "expected_file_sha256")
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    CREATION_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    archive_url: str
    telescope: str
    creation_day_obs: str
    visitseq_uuid: str
    file_name: str
    overwrite: bool
    expected_file_sha256: bytes
    def __init__(self, archive_url: _Optional[str] = ..., telescope: _Optional[str] = ..., creation_day_obs: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ..., file_name: _Optional[str] = ..., overwrite: _Optional[bool] = ..., expected_file_sha256: _Optional[bytes] = ...) -> None: ...

class UploadFileRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: UploadFileHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[UploadFileHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadFileResponse(_message.Message):
    __slots__ = ("file_sha256", "file_size", "file_url")
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    file_sha256: bytes
    file_size: int
    file_url: str
    def __init__(self, file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., file_url: _Optional[str] = ...) -> None: ...

class DownloadFileRequest(_message.Message):
    __slots__ = ("file_url", "expected_file_sha256")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    expected_file_sha256: bytes
    def __init__(self, file_url: _Optional[str] = ..., expected_file_sha256: _Optional[bytes] = ...) -> None: ...

class DownloadFileResponse(_message.Message):
    __slots__ = ("data", "file_size")
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    file_size: int
    def __init__(self, data: _Optional[bytes] = ..., file_size: _Optional[int] = ...) -> None: ...

class StatObjectRequest(_message.Message):
    __slots__ = ("url", "compute_sha256")
    URL_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_SHA256_FIELD_NUMBER: _ClassVar[int]
    url: str
    compute_sha256: bool
    def __init__(self, url: _Optional[str] = ..., compute_sha256: _Optional[bool] = ...) -> None: ...

class StatObjectResponse(_message.Message):
    __slots__ = ("exists", "size", "sha256", "update_time")
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    size: int
    sha256: bytes
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, exists: _Optional[bool] = ..., size: _Optional[int] = ..., sha256: _Optional[bytes] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteObjectRequest(_message.Message):
    __slots__ = ("url", "allow_missing")
    URL_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MISSING_FIELD_NUMBER: _ClassVar[int]
    url: str
    allow_missing: bool
    def __init__(self, url: _Optional[str] = ..., allow_missing: _Optional[bool] = ...) -> None: ...

class DeleteObjectResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: _Optional[bool] = ...) -> None: ...

class MixedVisitTableSource(_message.Message):
    __slots__ = ("early_parent_url", "early_parent_file_sha256", "late_parent_url", "late_parent_file_sha256", "last_early_day_obs", "first_late_day_obs", "day_obs_range")
    EARLY_PARENT_URL_FIELD_NUMBER: _ClassVar[int]
    EARLY_PARENT_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    LATE_PARENT_URL_FIELD_NUMBER: _ClassVar[int]
    LATE_PARENT_FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    LAST_EARLY_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    FIRST_LATE_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    early_parent_url: str
    early_parent_file_sha256: bytes
    late_parent_url: str
    late_parent_file_sha256: bytes
    last_early_day_obs: str
    first_late_day_obs: str
    day_obs_range: _common_pb2.DayObsRange
    def __init__(self, early_parent_url: _Optional[str] = ..., early_parent_file_sha256: _Optional[bytes] = ..., late_parent_url: _Optional[str] = ..., late_parent_file_sha256: _Optional[bytes] = ..., last_early_day_obs: _Optional[str] = ..., first_late_day_obs: _Optional[str] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ...) -> None: ...

class ReadMixedVisitTableRequest(_message.Message):
    __slots__ = ("source", "columns")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    source: MixedVisitTableSource
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source: _Optional[_Union[MixedVisitTableSource, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class ReadMixedVisitTableResponse(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...

class MaterializeMixedVisitTableRequest(_message.Message):
    __slots__ = ("source", "columns", "destination")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    source: MixedVisitTableSource
    columns: _containers.RepeatedScalarFieldContainer[str]
    destination: VisitTableDestination
    def __init__(self, source: _Optional[_Union[MixedVisitTableSource, _Mapping]] = ..., columns: _Optional[_Iterable[str]] = ..., destination: _Optional[_Union[VisitTableDestination, _Mapping]] = ...) -> None: ...

class MaterializeMixedVisitTableResponse(_message.Message):
    __slots__ = ("visitseq_sha256", "file_sha256", "file_size", "file_url", "row_count", "first_day_obs", "last_day_obs", "columns")
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    visitseq_sha256: bytes
    file_sha256: bytes
    file_size: int
    file_url: str
    row_count: int
    first_day_obs: str
    last_day_obs: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_sha256: _Optional[bytes] = ..., file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., file_url: _Optional[str] = ..., row_count: _Optional[int] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ...) -> None: ...

class ListObjectsRequest(_message.Message):
    __slots__ = ("archive_url", "page_size", "page_token")
    ARCHIVE_URL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    archive_url: str
    page_size: int
    page_token: str
    def __init__(self, archive_url: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ArchiveObject(_message.Message):
    __slots__ = ("url", "size", "update_time", "incomplete_upload", "visitseq_uuid")
    URL_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    INCOMPLETE_UPLOAD_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    url: str
    size: int
    update_time: _timestamp_pb2.Timestamp
    incomplete_upload: bool
    visitseq_uuid: str
    def __init__(self, url: _Optional[str] = ..., size: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., incomplete_upload: _Optional[bool] = ..., visitseq_uuid: _Optional[str] = ...) -> None: ...

class ListObjectsResponse(_message.Message):
    __slots__ = ("objects", "next_page_token")
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedCompositeFieldContainer[ArchiveObject]
    next_page_token: str
    def __init__(self, objects: _Optional[_Iterable[_Union[ArchiveObject, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
