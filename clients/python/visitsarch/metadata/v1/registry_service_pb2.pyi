from visitsarch.metadata.v1 import visit_sequence_pb2 as _visit_sequence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateVisitSequenceRequest(_message.Message):
    __slots__ = ("visit_sequence", "request_id", "tags", "files")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    request_id: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    files: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.VisitSequenceFile]
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., request_id: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., files: _Optional[_Iterable[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]]] = ...) -> None: ...

class CreateVisitSequenceResponse(_message.Message):
    __slots__ = ("visit_sequence", "files")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    files: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.VisitSequenceFile]
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., files: _Optional[_Iterable[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]]] = ...) -> None: ...

class DeleteVisitSequenceRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "allow_missing", "force")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MISSING_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    allow_missing: bool
    force: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., allow_missing: _Optional[bool] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteVisitSequenceResponse(_message.Message):
    __slots__ = ("visit_sequence", "blob_urls")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BLOB_URLS_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    blob_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., blob_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterFileRequest(_message.Message):
    __slots__ = ("file", "replace", "request_id")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    replace: bool
    request_id: str
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., replace: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class RegisterFileResponse(_message.Message):
    __slots__ = ("file", "replaced_file")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REPLACED_FILE_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    replaced_file: _visit_sequence_pb2.VisitSequenceFile
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., replaced_file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ...) -> None: ...

class DeleteFileRequest(_message.Message):
    __slots__ = ("visitseq_uuid", "file_type", "keep_record")
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEEP_RECORD_FIELD_NUMBER: _ClassVar[int]
    visitseq_uuid: str
    file_type: str
    keep_record: bool
    def __init__(self, visitseq_uuid: _Optional[str] = ..., file_type: _Optional[str] = ..., keep_record: _Optional[bool] = ...) -> None: ...

class DeleteFileResponse(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ...) -> None: ...
