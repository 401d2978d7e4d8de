import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RowImportOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROW_IMPORT_OUTCOME_UNSPECIFIED: _ClassVar[RowImportOutcome]
    ROW_IMPORT_OUTCOME_IMPORTED: _ClassVar[RowImportOutcome]
    ROW_IMPORT_OUTCOME_ALREADY_PRESENT: _ClassVar[RowImportOutcome]
    ROW_IMPORT_OUTCOME_SKIPPED: _ClassVar[RowImportOutcome]
    ROW_IMPORT_OUTCOME_REFUSED: _ClassVar[RowImportOutcome]
ROW_IMPORT_OUTCOME_UNSPECIFIED: RowImportOutcome
ROW_IMPORT_OUTCOME_IMPORTED: RowImportOutcome
ROW_IMPORT_OUTCOME_ALREADY_PRESENT: RowImportOutcome
ROW_IMPORT_OUTCOME_SKIPPED: RowImportOutcome
ROW_IMPORT_OUTCOME_REFUSED: RowImportOutcome

class VisitSequence(_message.Message):
    __slots__ = ("visitseq_uuid", "visitseq_sha256", "visitseq_label", "visitseq_url", "telescope", "first_day_obs", "last_day_obs", "creation_time", "kind", "tags", "simulation", "completed", "mixed")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_LABEL_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    MIXED_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    visitseq_sha256: bytes
    visitseq_label: str
    visitseq_url: str
    telescope: str
    first_day_obs: str
    last_day_obs: str
    creation_time: _timestamp_pb2.Timestamp
    kind: _common_pb2.VisitSequenceKind
    tags: _containers.RepeatedScalarFieldContainer[str]
    simulation: SimulationDetails
    completed: CompletedDetails
    mixed: MixedDetails
    def __init__(self, visitseq_uuid: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ..., visitseq_label: _Optional[str] = ..., visitseq_url: _Optional[str] = ..., telescope: _Optional[str] = ..., first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[_common_pb2.VisitSequenceKind, str]] = ..., tags: _Optional[_Iterable[str]] = ..., simulation: _Optional[_Union[SimulationDetails, _Mapping]] = ..., completed: _Optional[_Union[CompletedDetails, _Mapping]] = ..., mixed: _Optional[_Union[MixedDetails, _Mapping]] = ...) -> None: ...

class SimulationDetails(_message.Message):
    __slots__ = ("scheduler_version", "config_url", "sim_runner_args", "conda_env_sha256", "parent_visitseq_uuid", "parent_last_day_obs")
    SCHEDULER_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_URL_FIELD_NUMBER: _ClassVar[int]
    SIM_RUNNER_ARGS_FIELD_NUMBER: _ClassVar[int]
    CONDA_ENV_SHA256_FIELD_NUMBER: _ClassVar[int]
    PARENT_VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    PARENT_LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    scheduler_version: str
    config_url: str
    sim_runner_args: _struct_pb2.Struct
    conda_env_sha256: bytes
    parent_visitseq_uuid: str
    parent_last_day_obs: str
    def __init__(self, scheduler_version: _Optional[str] = ..., config_url: _Optional[str] = ..., sim_runner_args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., conda_env_sha256: _Optional[bytes] = ..., parent_visitseq_uuid: _Optional[str] = ..., parent_last_day_obs: _Optional[str] = ...) -> None: ...

class CompletedDetails(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class MixedDetails(_message.Message):
    __slots__ = ("last_early_day_obs", "first_late_day_obs", "early_parent_uuid", "late_parent_uuid")
    LAST_EARLY_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    FIRST_LATE_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    EARLY_PARENT_UUID_FIELD_NUMBER: _ClassVar[int]
    LATE_PARENT_UUID_FIELD_NUMBER: _ClassVar[int]
    last_early_day_obs: str
    first_late_day_obs: str
    early_parent_uuid: str
    late_parent_uuid: str
    def __init__(self, last_early_day_obs: _Optional[str] = ..., first_late_day_obs: _Optional[str] = ..., early_parent_uuid: _Optional[str] = ..., late_parent_uuid: _Optional[str] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("visitseq_uuid", "comment_time", "author", "comment")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    comment_time: _timestamp_pb2.Timestamp
    author: str
    comment: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., comment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., author: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class VisitSequenceFile(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type", "file_sha256", "file_size", "file_url", "create_time")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    file_sha256: bytes
    file_size: int
    file_url: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ..., file_sha256: _Optional[bytes] = ..., file_size: _Optional[int] = ..., file_url: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CondaEnv(_message.Message):
    __slots__ = ("conda_env_hash", "package_count", "conda_env_json")
    CONDA_ENV_HASH_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONDA_ENV_JSON_FIELD_NUMBER: _ClassVar[int]
    conda_env_hash: bytes
    package_count: int
    conda_env_json: str
    def __init__(self, conda_env_hash: _Optional[bytes] = ..., package_count: _Optional[int] = ..., conda_env_json: _Optional[str] = ...) -> None: ...

class CondaPackage(_message.Message):
    __slots__ = ("package_name", "channel", "package_version", "base_url", "platform", "dist_name", "build_number", "build_string")
    PACKAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    DIST_NAME_FIELD_NUMBER: _ClassVar[int]
    BUILD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BUILD_STRING_FIELD_NUMBER: _ClassVar[int]
    package_name: str
    channel: str
    package_version: str
    base_url: str
    platform: str
    dist_name: str
    build_number: int
    build_string: str
    def __init__(self, package_name: _Optional[str] = ..., channel: _Optional[str] = ..., package_version: _Optional[str] = ..., base_url: _Optional[str] = ..., platform: _Optional[str] = ..., dist_name: _Optional[str] = ..., build_number: _Optional[int] = ..., build_string: _Optional[str] = ...) -> None: ...

class NightlyStat(_message.Message):
    __slots__ = ("visitseq_uuid", "day_obs", "value_name", "accumulated", "count", "mean", "std", "min", "p05", "q1", "median", "q3", "p95", "max")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    VALUE_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    P05_FIELD_NUMBER: _ClassVar[int]
    Q1_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_FIELD_NUMBER: _ClassVar[int]
    Q3_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    day_obs: str
    value_name: str
    accumulated: bool
    count: int
    mean: float
    std: float
    min: float
    p05: float
    q1: float
    median: float
    q3: float
    p95: float
    max: float
    def __init__(self, visitseq_uuid: _Optional[str] = ..., day_obs: _Optional[str] = ..., value_name: _Optional[str] = ..., accumulated: _Optional[bool] = ..., count: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., min: _Optional[float] = ..., p05: _Optional[float] = ..., q1: _Optional[float] = ..., median: _Optional[float] = ..., q3: _Optional[float] = ..., p95: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class MafMetric(_message.Message):
    __slots__ = ("maf_metric_name", "rubin_sim_version", "constraint", "metric_class_name", "metric_args", "slicer_class_name", "slicer_args")
    MAF_METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    RUBIN_SIM_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    METRIC_CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    METRIC_ARGS_FIELD_NUMBER: _ClassVar[int]
    SLICER_CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    SLICER_ARGS_FIELD_NUMBER: _ClassVar[int]
    maf_metric_name: str
    rubin_sim_version: str
    constraint: str
    metric_class_name: str
    metric_args: _struct_pb2.Struct
    slicer_class_name: str
    slicer_args: _struct_pb2.Struct
    def __init__(self, maf_metric_name: _Optional[str] = ..., rubin_sim_version: _Optional[str] = ..., constraint: _Optional[str] = ..., metric_class_name: _Optional[str] = ..., metric_args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., slicer_class_name: _Optional[str] = ..., slicer_args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class MafSummaryMetric(_message.Message):
    __slots__ = ("visitseq_uuid", "maf_metric_name", "day_obs", "accumulated", "summary_value")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    MAF_METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_VALUE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    maf_metric_name: str
    day_obs: str
    accumulated: bool
    summary_value: float
    def __init__(self, visitseq_uuid: _Optional[str] = ..., maf_metric_name: _Optional[str] = ..., day_obs: _Optional[str] = ..., accumulated: _Optional[bool] = ..., summary_value: _Optional[float] = ...) -> None: ...

class MafMetricSetMember(_message.Message):
    __slots__ = ("metric_set", "maf_metric_name", "short_name", "style", "invert", "mag")
    METRIC_SET_FIELD_NUMBER: _ClassVar[int]
    MAF_METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAME_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    INVERT_FIELD_NUMBER: _ClassVar[int]
    MAG_FIELD_NUMBER: _ClassVar[int]
    metric_set: str
    maf_metric_name: str
    short_name: str
    style: str
    invert: bool
    mag: bool
    def __init__(self, metric_set: _Optional[str] = ..., maf_metric_name: _Optional[str] = ..., short_name: _Optional[str] = ..., style: _Optional[str] = ..., invert: _Optional[bool] = ..., mag: _Optional[bool] = ...) -> None: ...

class MafSummaryEntry(_message.Message):
    __slots__ = ("metric_set", "maf_metric_name", "visitseq_uuid", "visitseq_label", "day_obs", "accumulated", "summary_value", "short_name", "style", "invert", "mag", "tag")
    METRIC_SET_FIELD_NUMBER: _ClassVar[int]
    MAF_METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_LABEL_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_VALUE_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAME_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    INVERT_FIELD_NUMBER: _ClassVar[int]
    MAG_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    metric_set: str
    maf_metric_name: str
    visitseq_uuid: str
    visitseq_label: str
    day_obs: str
    accumulated: bool
    summary_value: float
    short_name: str
    style: str
    invert: bool
    mag: bool
    tag: str
    def __init__(self, metric_set: _Optional[str] = ..., maf_metric_name: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ..., visitseq_label: _Optional[str] = ..., day_obs: _Optional[str] = ..., accumulated: _Optional[bool] = ..., summary_value: _Optional[float] = ..., short_name: _Optional[str] = ..., style: _Optional[str] = ..., invert: _Optional[bool] = ..., mag: _Optional[bool] = ..., tag: _Optional[str] = ...) -> None: ...

class MafHealpixStat(_message.Message):
    __slots__ = ("visitseq_uuid", "maf_metric_name", "day_obs", "accumulated", "nside", "count", "mean", "std", "min", "p05", "q1", "median", "q3", "p95", "max", "url")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    MAF_METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    NSIDE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    P05_FIELD_NUMBER: _ClassVar[int]
    Q1_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_FIELD_NUMBER: _ClassVar[int]
    Q3_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    maf_metric_name: str
    day_obs: str
    accumulated: bool
    nside: int
    count: int
    mean: float
    std: float
    min: float
    p05: float
    q1: float
    median: float
    q3: float
    p95: float
    max: float
    url: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., maf_metric_name: _Optional[str] = ..., day_obs: _Optional[str] = ..., accumulated: _Optional[bool] = ..., nside: _Optional[int] = ..., count: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., min: _Optional[float] = ..., p05: _Optional[float] = ..., q1: _Optional[float] = ..., median: _Optional[float] = ..., q3: _Optional[float] = ..., p95: _Optional[float] = ..., max: _Optional[float] = ..., url: _Optional[str] = ...) -> None: ...

class TableImportResult(_message.Message):
    __slots__ = ("table_name", "copied_count", "skipped_count", "rejected_count", "already_present_count", "absent_upstream")
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    COPIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_PRESENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ABSENT_UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    copied_count: int
    skipped_count: int
    rejected_count: int
    already_present_count: int
    absent_upstream: bool
    def __init__(self, table_name: _Optional[str] = ..., copied_count: _Optional[int] = ..., skipped_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., already_present_count: _Optional[int] = ..., absent_upstream: _Optional[bool] = ...) -> None: ...

class RowImportReport(_message.Message):
    __slots__ = ("table_name", "visitseq_uuid", "key", "outcome", "reason", "upstream_visitseq_sha256", "upstream_visitseq_url", "undated_upstream")
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_VISITSEQ_URL_FIELD_NUMBER: _ClassVar[int]
    UNDATED_UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    visitseq_uuid: str
    key: str
    outcome: RowImportOutcome
    reason: str
    upstream_visitseq_sha256: bytes
    upstream_visitseq_url: str
    undated_upstream: bool
    def __init__(self, table_name: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ..., key: _Optional[str] = ..., outcome: _Optional[_Union[RowImportOutcome, str]] = ..., reason: _Optional[str] = ..., upstream_visitseq_sha256: _Optional[bytes] = ..., upstream_visitseq_url: _Optional[str] = ..., undated_upstream: _Optional[bool] = ...) -> None: ...
