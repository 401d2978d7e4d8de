from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ArrowIpcChunk(_message.Message):
    __slots__ = ("ipc_bytes", "row_count")
    IPC_BYTES_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    ipc_bytes: bytes
    row_count: int
    def __init__(self, ipc_bytes: _Optional[bytes] = ..., row_count: _Optional[int] = ...) -> None: ...
