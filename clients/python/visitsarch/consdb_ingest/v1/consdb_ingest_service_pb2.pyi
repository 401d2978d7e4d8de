from visitsarch.type.v1 import arrow_pb2 as _arrow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
    __slots__ = ("query", "telescope", "first_dayobs", "last_dayobs", "endpoint", "survey_start_mjd")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAYOBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAYOBS_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    SURVEY_START_MJD_FIELD_NUMBER: _ClassVar[int]
    query: str
    telescope: str
    first_dayobs: str
    last_dayobs: str
    endpoint: str
    survey_start_mjd: float
    def __init__(self, query: _Optional[str] = ..., telescope: _Optional[str] = ..., first_dayobs: _Optional[str] = ..., last_dayobs: _Optional[str] = ..., endpoint: _Optional[str] = ..., survey_start_mjd: _Optional[float] = ...) -> None: ...

class QueryConsdbResponse(_message.Message):
    __slots__ = ("chunk", "query", "first_day_obs", "last_day_obs", "row_count")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    query: str
    first_day_obs: str
    last_day_obs: str
    row_count: int
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ..., query: _Optional[str] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., row_count: _Optional[int] = ...) -> None: ...

class IngestConsdbVisitsRequest(_message.Message):
    __slots__ = ("query", "label", "telescope", "first_dayobs", "last_dayobs", "endpoint", "archive_url", "incremental", "base_visitseq_uuid", "tags", "request_id", "return_visits", "survey_start_mjd")
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
    RETURN_VISITS_FIELD_NUMBER: _ClassVar[int]
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
    return_visits: bool
    survey_start_mjd: float
    def __init__(self, query: _Optional[str] = ..., label: _Optional[str] = ..., telescope: _Optional[str] = ..., first_dayobs: _Optional[str] = ..., last_dayobs: _Optional[str] = ..., endpoint: _Optional[str] = ..., archive_url: _Optional[str] = ..., incremental: _Optional[bool] = ..., base_visitseq_uuid: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., return_visits: _Optional[bool] = ..., survey_start_mjd: _Optional[float] = ...) -> None: ...

class IngestConsdbVisitsResponse(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_url", "visitseq_sha256", "row_count", "first_day_obs", "last_day_obs", "mixed_visitseq_uuid", "chunk")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    MIXED_VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_url: str
    visitseq_sha256: bytes
    row_count: int
    first_day_obs: str
    last_day_obs: str
    mixed_visitseq_uuid: str
    chunk: _arrow_pb2.ArrowIpcChunk
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ..., row_count: _Optional[int] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., mixed_visitseq_uuid: _Optional[str] = ..., chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ...) -> None: ...
