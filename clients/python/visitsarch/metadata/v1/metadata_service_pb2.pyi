import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visitsarch.metadata.v1 import visit_sequence_pb2 as _visit_sequence_pb2
from visitsarch.type.v1 import arrow_pb2 as _arrow_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetVisitSequenceRequest(_message.Message):
    __slots__ = ("visitseq_uuid",)
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    def __init__(self, visitseq_uuid: _Optional[str] = ...) -> None: ...

class GetVisitSequenceResponse(_message.Message):
    __slots__ = ("visit_sequence", "visits_file")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VISITS_FILE_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    visits_file: _visit_sequence_pb2.VisitSequenceFile
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., visits_file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ...) -> None: ...

class ListVisitSequencesRequest(_message.Message):
    __slots__ = ("kind", "telescope", "tags_all", "tags_any", "label_contains", "covers", "creation_time_start", "creation_time_end", "order_by", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_ALL_FIELD_NUMBER: _ClassVar[int]
    TAGS_ANY_FIELD_NUMBER: _ClassVar[int]
    LABEL_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    COVERS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_START_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_END_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: _common_pb2.VisitSequenceKind
    telescope: str
    tags_all: _containers.RepeatedScalarFieldContainer[str]
    tags_any: _containers.RepeatedScalarFieldContainer[str]
    label_contains: str
    covers: _common_pb2.DayObsRange
    creation_time_start: _timestamp_pb2.Timestamp
    creation_time_end: _timestamp_pb2.Timestamp
    order_by: str
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[_common_pb2.VisitSequenceKind, str]] = ..., telescope: _Optional[str] = ..., tags_all: _Optional[_Iterable[str]] = ..., tags_any: _Optional[_Iterable[str]] = ..., label_contains: _Optional[str] = ..., covers: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., creation_time_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., creation_time_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVisitSequencesResponse(_message.Message):
    __slots__ = ("visit_sequences", "next_page_token")
    VISIT_SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    visit_sequences: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.VisitSequence]
    next_page_token: str
    def __init__(self, visit_sequences: _Optional[_Iterable[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateVisitSequenceRequest(_message.Message):
    __slots__ = ("visit_sequence", "update_mask")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateVisitSequenceResponse(_message.Message):
    __slots__ = ("visit_sequence",)
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ...) -> None: ...

class AddTagsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "tags")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visitseq_uuid: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class AddTagsResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tags: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveTagsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "tags", "allow_missing")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MISSING_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    allow_missing: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., allow_missing: _Optional[bool] = ...) -> None: ...

class RemoveTagsResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tags: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckTagRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "tag")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    tag: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class CheckTagResponse(_message.Message):
    __slots__ = ("tagged",)
    TAGGED_FIELD_NUMBER: _ClassVar[int]
    tagged: bool
    def __init__(self, tagged: _Optional[bool] = ...) -> None: ...

class AddCommentRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "comment", "author", "request_id")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    comment: str
    author: str
    request_id: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., comment: _Optional[str] = ..., author: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddCommentResponse(_message.Message):
    __slots__ = ("comment",)
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    comment: _visit_sequence_pb2.Comment
    def __init__(self, comment: _Optional[_Union[_visit_sequence_pb2.Comment, _Mapping]] = ...) -> None: ...

class ListCommentsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "page_size", "page_token")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    page_size: int
    page_token: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCommentsResponse(_message.Message):
    __slots__ = ("comments", "next_page_token")
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    comments: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.Comment]
    next_page_token: str
    def __init__(self, comments: _Optional[_Iterable[_Union[_visit_sequence_pb2.Comment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetFileRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ...) -> None: ...

class GetFileResponse(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ...) -> None: ...

class ListFilesRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "page_size", "page_token")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    page_size: int
    page_token: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFilesResponse(_message.Message):
    __slots__ = ("files", "next_page_token")
    FILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.VisitSequenceFile]
    next_page_token: str
    def __init__(self, files: _Optional[_Iterable[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordCondaEnvRequest(_message.Message):
    __slots__ = ("conda_env_json", "visitseq_uuid")
    CONDA_ENV_JSON_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    conda_env_json: str
    visitseq_uuid: str
    def __init__(self, conda_env_json: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ...) -> None: ...

class RecordCondaEnvResponse(_message.Message):
    __slots__ = ("conda_env_hash", "already_recorded", "package_count")
    CONDA_ENV_HASH_FIELD_NUMBER: _ClassVar[int]
    ALREADY_RECORDED_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    conda_env_hash: bytes
    already_recorded: bool
    package_count: int
    def __init__(self, conda_env_hash: _Optional[bytes] = ..., already_recorded: _Optional[bool] = ..., package_count: _Optional[int] = ...) -> None: ...

class GetCondaEnvRequest(_message.Message):
    __slots__ = ("conda_env_hash", "include_json")
    CONDA_ENV_HASH_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_JSON_FIELD_NUMBER: _ClassVar[int]
    conda_env_hash: bytes
    include_json: bool
    def __init__(self, conda_env_hash: _Optional[bytes] = ..., include_json: _Optional[bool] = ...) -> None: ...

class GetCondaEnvResponse(_message.Message):
    __slots__ = ("conda_env",)
    CONDA_ENV_FIELD_NUMBER: _ClassVar[int]
    conda_env: _visit_sequence_pb2.CondaEnv
    def __init__(self, conda_env: _Optional[_Union[_visit_sequence_pb2.CondaEnv, _Mapping]] = ...) -> None: ...

class ListCondaPackagesRequest(_message.Message):
    __slots__ = ("conda_env_hash", "visitseq_uuid", "package_names", "page_size", "page_token")
    CONDA_ENV_HASH_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_NAMES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conda_env_hash: bytes
    visitseq_uuid: str
    package_names: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, conda_env_hash: _Optional[bytes] = ..., visitseq_uuid: _Optional[str] = ..., package_names: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCondaPackagesResponse(_message.Message):
    __slots__ = ("conda_env_hash", "packages", "next_page_token")
    CONDA_ENV_HASH_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conda_env_hash: bytes
    packages: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.CondaPackage]
    next_page_token: str
    def __init__(self, conda_env_hash: _Optional[bytes] = ..., packages: _Optional[_Iterable[_Union[_visit_sequence_pb2.CondaPackage, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertNightlyStatsRequest(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.NightlyStat]
    def __init__(self, stats: _Optional[_Iterable[_Union[_visit_sequence_pb2.NightlyStat, _Mapping]]] = ...) -> None: ...

class UpsertNightlyStatsResponse(_message.Message):
    __slots__ = ("inserted_count", "updated_count")
    INSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    inserted_count: int
    updated_count: int
    def __init__(self, inserted_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class ListNightlyStatsRequest(_message.Message):
    __slots__ = ("visitseq_uuids", "day_obs_range", "value_names", "accumulated", "page_size", "page_token")
    VISITSEQ_UUIDS_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_NAMES_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuids: _containers.RepeatedScalarFieldContainer[str]
    day_obs_range: _common_pb2.DayObsRange
    value_names: _containers.RepeatedScalarFieldContainer[str]
    accumulated: bool
    page_size: int
    page_token: str
    def __init__(self, visitseq_uuids: _Optional[_Iterable[str]] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., value_names: _Optional[_Iterable[str]] = ..., accumulated: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNightlyStatsResponse(_message.Message):
    __slots__ = ("stats", "next_page_token")
    STATS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.NightlyStat]
    next_page_token: str
    def __init__(self, stats: _Optional[_Iterable[_Union[_visit_sequence_pb2.NightlyStat, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertMafMetricsRequest(_message.Message):
    __slots__ = ("metrics",)
    METRICS_FIELD_NUMBER: _ClassVar[int]
    metrics: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.MafMetric]
    def __init__(self, metrics: _Optional[_Iterable[_Union[_visit_sequence_pb2.MafMetric, _Mapping]]] = ...) -> None: ...

class UpsertMafMetricsResponse(_message.Message):
    __slots__ = ("inserted_count", "updated_count")
    INSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    inserted_count: int
    updated_count: int
    def __init__(self, inserted_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class UpsertMafMetricSetsRequest(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.MafMetricSetMember]
    def __init__(self, members: _Optional[_Iterable[_Union[_visit_sequence_pb2.MafMetricSetMember, _Mapping]]] = ...) -> None: ...

class UpsertMafMetricSetsResponse(_message.Message):
    __slots__ = ("inserted_count", "updated_count")
    INSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    inserted_count: int
    updated_count: int
    def __init__(self, inserted_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class UpsertMafSummaryMetricsRequest(_message.Message):
    __slots__ = ("metrics",)
    METRICS_FIELD_NUMBER: _ClassVar[int]
    metrics: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.MafSummaryMetric]
    def __init__(self, metrics: _Optional[_Iterable[_Union[_visit_sequence_pb2.MafSummaryMetric, _Mapping]]] = ...) -> None: ...

class UpsertMafSummaryMetricsResponse(_message.Message):
    __slots__ = ("inserted_count", "updated_count")
    INSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    inserted_count: int
    updated_count: int
    def __init__(self, inserted_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class UpsertMafHealpixStatsRequest(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.MafHealpixStat]
    def __init__(self, stats: _Optional[_Iterable[_Union[_visit_sequence_pb2.MafHealpixStat, _Mapping]]] = ...) -> None: ...

class UpsertMafHealpixStatsResponse(_message.Message):
    __slots__ = ("inserted_count", "updated_count")
    INSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    inserted_count: int
    updated_count: int
    def __init__(self, inserted_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class ListMafSummaryRequest(_message.Message):
    __slots__ = ("metric_set", "tag", "page_size", "page_token")
    METRIC_SET_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    metric_set: str
    tag: str
    page_size: int
    page_token: str
    def __init__(self, metric_set: _Optional[str] = ..., tag: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMafSummaryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.MafSummaryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_visit_sequence_pb2.MafSummaryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ("sql", "max_rows", "timeout")
    SQL_FIELD_NUMBER: _ClassVar[int]
    MAX_ROWS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    sql: str
    max_rows: int
    timeout: _duration_pb2.Duration
    def __init__(self, sql: _Optional[str] = ..., max_rows: _Optional[int] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ("chunk", "truncated", "total_rows")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    truncated: bool
    total_rows: int
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ..., truncated: _Optional[bool] = ..., total_rows: _Optional[int] = ...) -> None: ...

class QueryNightRequest(_message.Message):
    __slots__ = ("first_day_obs", "last_day_obs", "telescope", "earliest_creation_time", "tags", "columns", "kind")
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    first_day_obs: str
    last_day_obs: str
    telescope: str
    earliest_creation_time: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    columns: _containers.RepeatedScalarFieldContainer[str]
    kind: _common_pb2.VisitSequenceKind
    def __init__(self, first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., telescope: _Optional[str] = ..., earliest_creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., columns: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[_common_pb2.VisitSequenceKind, str]] = ...) -> None: ...

class QueryNightResponse(_message.Message):
    __slots__ = ("chunk", "total_rows")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    total_rows: int
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ..., total_rows: _Optional[int] = ...) -> None: ...

class PrenightSimsRequest(_message.Message):
    __slots__ = ("day_obs", "telescope", "tags", "earliest_creation_time")
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    day_obs: str
    telescope: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    earliest_creation_time: _timestamp_pb2.Timestamp
    def __init__(self, day_obs: _Optional[str] = ..., telescope: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., earliest_creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PrenightSimsResponse(_message.Message):
    __slots__ = ("chunk", "total_rows")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    chunk: _arrow_pb2.ArrowIpcChunk
    total_rows: int
    def __init__(self, chunk: _Optional[_Union[_arrow_pb2.ArrowIpcChunk, _Mapping]] = ..., total_rows: _Optional[int] = ...) -> None: ...

class ImportUpstreamRequest(_message.Message):
    __slots__ = ("dsn", "schema", "dry_run", "sequence_nights")
    DSN_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_NIGHTS_FIELD_NUMBER: _ClassVar[int]
    dsn: str
    schema: str
    dry_run: bool
    sequence_nights: _containers.RepeatedCompositeFieldContainer[UpstreamSequenceNights]
    def __init__(self, dsn: _Optional[str] = ..., schema: _Optional[str] = ..., dry_run: _Optional[bool] = ..., sequence_nights: _Optional[_Iterable[_Union[UpstreamSequenceNights, _Mapping]]] = ...) -> None: ...

class UpstreamSequenceNights(_message.Message):
    __slots__ = ("visitseq_uuid", "day_obs_range")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    day_obs_range: _common_pb2.DayObsRange
    def __init__(self, visitseq_uuid: _Optional[str] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ...) -> None: ...

class ImportUpstreamResponse(_message.Message):
    __slots__ = ("tables", "rows")
    TABLES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    tables: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.TableImportResult]
    rows: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.RowImportReport]
    def __init__(self, tables: _Optional[_Iterable[_Union[_visit_sequence_pb2.TableImportResult, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[_visit_sequence_pb2.RowImportReport, _Mapping]]] = ...) -> None: ...
