import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visitsarch.metadata.v1 import visit_sequence_pb2 as _visit_sequence_pb2
from visitsarch.type.v1 import common_pb2 as _common_pb2
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
    __slots__ = ("file", "replace", "request_id", "visitseq_sha256")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    replace: bool
    request_id: str
    visitseq_sha256: bytes
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., replace: _Optional[bool] = ..., request_id: _Optional[str] = ..., visitseq_sha256: _Optional[bytes] = ...) -> None: ...

class RegisterFileResponse(_message.Message):
    __slots__ = ("file", "replaced_file", "previous_visitseq_sha256")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REPLACED_FILE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VISITSEQ_SHA256_FIELD_NUMBER: _ClassVar[int]
    file: _visit_sequence_pb2.VisitSequenceFile
    replaced_file: _visit_sequence_pb2.VisitSequenceFile
    previous_visitseq_sha256: bytes
    def __init__(self, file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., replaced_file: _Optional[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]] = ..., previous_visitseq_sha256: _Optional[bytes] = ...) -> None: ...

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

class ListPurgeCandidatesRequest(_message.Message):
    __slots__ = ("tags", "kind", "telescope", "last_day_obs_before", "creation_time_before", "file_types", "page_size", "page_token")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TELESCOPE_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_OBS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_BEFORE_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedScalarFieldContainer[str]
    kind: _common_pb2.VisitSequenceKind
    telescope: str
    last_day_obs_before: str
    creation_time_before: _timestamp_pb2.Timestamp
    file_types: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, tags: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[_common_pb2.VisitSequenceKind, str]] = ..., telescope: _Optional[str] = ..., last_day_obs_before: _Optional[str] = ..., creation_time_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_types: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PurgeCandidate(_message.Message):
    __slots__ = ("visit_sequence", "stored_files", "dependent_visitseq_uuids")
    VISIT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STORED_FILES_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_VISITSEQ_UUIDS_FIELD_NUMBER: _ClassVar[int]
    visit_sequence: _visit_sequence_pb2.VisitSequence
    stored_files: _containers.RepeatedCompositeFieldContainer[_visit_sequence_pb2.VisitSequenceFile]
    dependent_visitseq_uuids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visit_sequence: _Optional[_Union[_visit_sequence_pb2.VisitSequence, _Mapping]] = ..., stored_files: _Optional[_Iterable[_Union[_visit_sequence_pb2.VisitSequenceFile, _Mapping]]] = ..., dependent_visitseq_uuids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListPurgeCandidatesResponse(_message.Message):
    __slots__ = ("candidates", "next_page_token")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[PurgeCandidate]
    next_page_token: str
    def __init__(self, candidates: _Optional[_Iterable[_Union[PurgeCandidate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CheckBlobReferencesRequest(_message.Message):
    __slots__ = ("urls",)
    URLS_FIELD_NUMBER: _ClassVar[int]
    urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, urls: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckBlobReferencesResponse(_message.Message):
    __slots__ = ("referenced_urls",)
    REFERENCED_URLS_FIELD_NUMBER: _ClassVar[int]
    referenced_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, referenced_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("audit_id", "audit_time", "actor", "action", "visitseq_uuid", "detail")
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIT_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VISITSEQ_UUID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    audit_id: int
    audit_time: _timestamp_pb2.Timestamp
    actor: str
    action: str
    visitseq_uuid: str
    detail: _struct_pb2.Struct
    def __init__(self, audit_id: _Optional[int] = ..., audit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., visitseq_uuid: _Optional[str] = ..., detail: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RecordAuditRequest(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class RecordAuditResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...
