"""Checks of what callers pass, before anything is sent: a wrong type is an InvalidArgumentError
naming the argument, never protobuf's anonymous TypeError or a silently different request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from google.protobuf.descriptor import FieldDescriptor

from ._errors import InvalidArgumentError

Message = TypeVar("Message")

_KINDS = {
    FieldDescriptor.TYPE_STRING: "a string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_BOOL: "True or False",
    FieldDescriptor.TYPE_DOUBLE: "a number",
    FieldDescriptor.TYPE_FLOAT: "a number",
    FieldDescriptor.TYPE_INT32: "an integer",
    FieldDescriptor.TYPE_INT64: "an integer",
    FieldDescriptor.TYPE_UINT32: "an integer",
    FieldDescriptor.TYPE_UINT64: "an integer",
    FieldDescriptor.TYPE_ENUM: "an integer",
}


def strings(value: str | Iterable[str] | None, name: str) -> list[str]:
    """A list of strings from one string (not its characters), an iterable of strings, or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(f"{name} must be a string or a list of strings, got {type(value).__name__}")
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidArgumentError(f"{name}[{index}] must be a string, got {type(item).__name__}")
    return items


def message(cls: type[Message], **fields: Any) -> Message:
    """``cls(**fields)``; a field of the wrong type is an InvalidArgumentError naming it."""
    try:
        return cls(**fields)
    except (TypeError, ValueError):
        for name, value in fields.items():
            try:
                cls(**{name: value})
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"{name} must be {_expected(cls, name)}, got {type(value).__name__}: {value!r:.60}") from None
        raise


def _expected(cls: Any, name: str) -> str:
    field = cls.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        return "a known field"
    kind = field.message_type.name if field.type == FieldDescriptor.TYPE_MESSAGE else _KINDS.get(field.type, "of another type")
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == FieldDescriptor.LABEL_REPEATED
    return f"a list of {kind.removeprefix('a ').removeprefix('an ')}s" if repeated else kind
