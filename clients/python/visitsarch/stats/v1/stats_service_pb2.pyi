from visitsarch.metadata.v1 import visit_sequence_pb2 as _visit_sequence_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ComputeNightlyStatsRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "columns", "store", "include_accumulated", "day_obs_range", "omit_stats")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    OMIT_STATS_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    store: bool
    include_accumulated: bool
    day_obs_range: _common_pb2.DayObsRange
    omit_stats: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ..., store: _Optional[bool] = ..., include_accumulated: _Optional[bool] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ..., omit_stats: _Optional[bool] = ...) -> None: ...

class ComputeNightlyStatsResponse(_message.Message):
    __slots__ = ("stats", "missing_columns", "stat_count")
    STATS_FIELD_NUMBER: _ClassVar[int]
    MISSING_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    STAT_COUNT_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.NightlyStat]
    missing_columns: _containers.RepeatedScalarFieldContainer[str]
    stat_count: int
    def __init__(self, stats: _Optional[_Iterable[_Union[_visit_sequence_pb2.NightlyStat, _Mapping]]] = ..., missing_columns: _Optional[_Iterable[str]] = ..., stat_count: _Optional[int] = ...) -> None: ...

class PlotNightlyStatsRequest(_message.Message):
    __slots__ = ("visitseq_uuids", "value_name", "accumulated", "format", "day_obs_range")
    VISITSEQ_UUIDS_FIELD_NUMBER: _ClassVar[int]
    VALUE_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_RANGE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuids: _containers.RepeatedScalarFieldContainer[str]
    value_name: str
    accumulated: bool
    format: _common_pb2.ImageFormat
    day_obs_range: _common_pb2.DayObsRange
    def __init__(self, visitseq_uuids: _Optional[_Iterable[str]] = ..., value_name: _Optional[str] = ..., accumulated: _Optional[bool] = ..., format: _Optional[_Union[_common_pb2.ImageFormat, str]] = ..., day_obs_range: _Optional[_Union[_common_pb2.DayObsRange, _Mapping]] = ...) -> None: ...

class PlotNightlyStatsResponse(_message.Message):
    __slots__ = ("image", "media_type")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    image: bytes
    media_type: str
    def __init__(self, image: _Optional[bytes] = ..., media_type: _Optional[str] = ...) -> None: ...

class ImportMafResultsHeader(_message.Message):
    __slots__ = ("visitseq_uuid", "day_obs", "accumulated", "rubin_sim_version")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    ACCUMULATED_FIELD_NUMBER: _ClassVar[int]
    RUBIN_SIM_VERSION_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    day_obs: str
    accumulated: bool
    rubin_sim_version: str
    def __init__(self, visitseq_uuid: _Optional[str] = ..., day_obs: _Optional[str] = ..., accumulated: _Optional[bool] = ..., rubin_sim_version: _Optional[str] = ...) -> None: ...

class ImportMafResultsRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: ImportMafResultsHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[ImportMafResultsHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class ImportMafResultsResponse(_message.Message):
    __slots__ = ("metric_count", "summary_metric_count", "skipped_count")
    METRIC_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_METRIC_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    metric_count: int
    summary_metric_count: int
    skipped_count: int
    def __init__(self, metric_count: _Optional[int] = ..., summary_metric_count: _Optional[int] = ..., skipped_count: _Optional[int] = ...) -> None: ...
