from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class VisitSequenceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIT_SEQUENCE_KIND_UNSPECIFIED: _ClassVar[VisitSequenceKind]
    VISIT_SEQUENCE_KIND_SIMULATION: _ClassVar[VisitSequenceKind]
    VISIT_SEQUENCE_KIND_COMPLETED: _ClassVar[VisitSequenceKind]
    VISIT_SEQUENCE_KIND_MIXED: _ClassVar[VisitSequenceKind]

class TableFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TABLE_FORMAT_UNSPECIFIED: _ClassVar[TableFormat]
    TABLE_FORMAT_ARROW_IPC_STREAM: _ClassVar[TableFormat]
    TABLE_FORMAT_ARROW_IPC_FILE: _ClassVar[TableFormat]
    TABLE_FORMAT_PARQUET: _ClassVar[TableFormat]
    TABLE_FORMAT_HDF5: _ClassVar[TableFormat]
    TABLE_FORMAT_OPSIM_SQLITE: _ClassVar[TableFormat]
    TABLE_FORMAT_CSV: _ClassVar[TableFormat]

class ImageFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_FORMAT_UNSPECIFIED: _ClassVar[ImageFormat]
    IMAGE_FORMAT_SVG: _ClassVar[ImageFormat]
    IMAGE_FORMAT_PNG: _ClassVar[ImageFormat]
VISIT_SEQUENCE_KIND_UNSPECIFIED: VisitSequenceKind
VISIT_SEQUENCE_KIND_SIMULATION: VisitSequenceKind
VISIT_SEQUENCE_KIND_COMPLETED: VisitSequenceKind
VISIT_SEQUENCE_KIND_MIXED: VisitSequenceKind
TABLE_FORMAT_UNSPECIFIED: TableFormat
TABLE_FORMAT_ARROW_IPC_STREAM: TableFormat
TABLE_FORMAT_ARROW_IPC_FILE: TableFormat
TABLE_FORMAT_PARQUET: TableFormat
TABLE_FORMAT_HDF5: TableFormat
TABLE_FORMAT_OPSIM_SQLITE: TableFormat
TABLE_FORMAT_CSV: TableFormat
IMAGE_FORMAT_UNSPECIFIED: ImageFormat
IMAGE_FORMAT_SVG: ImageFormat
IMAGE_FORMAT_PNG: ImageFormat

class DayObsRange(_message.Message):
    __slots__ = ("first_day_obs", "last_day_obs")
    FIRST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_FIELD_NUMBER: _ClassVar[int]
    first_day_obs: str
    last_day_obs: str
    def __init__(self, first_day_obs: _Optional[str] = ..., last_day_obs: _Optional[str] = ...) -> None: ...
