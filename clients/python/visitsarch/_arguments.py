"""Checks of what callers pass, before anything is sent: a wrong type is an InvalidArgumentError
naming the argument, never protobuf's anonymous TypeError or a silently different request."""

from __future__ import annotations

import math
import numbers
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

# The ranges of protobuf's integer types, for "must be at most …" rather than "must be an integer, got int".
_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1, "-2**31", "2**31-1"),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1, "-2**63", "2**63-1"),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1, "0", "2**32-1"),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1, "0", "2**64-1"),
}

#: The largest integer a protobuf Struct (whose numbers are doubles) holds exactly.
MAX_EXACT_INTEGER = 2**53


def seconds(value: Any, name: str) -> float:
    """A positive, finite number of seconds (an int or a float, not True/False or text)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {type(value).__name__}: {value!r:.60}")
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def integer(value: Any, name: str, minimum: int, maximum: int, maximum_text: str | None = None) -> int:
    """An integer (not True/False) from ``minimum`` to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, got {type(value).__name__}: {value!r:.60}")
    if not minimum <= value <= maximum:
        raise InvalidArgumentError(f"{name} must be an integer from {minimum} to {maximum_text or maximum}, got {value}")
    return int(value)


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
                out_of_range = _out_of_range(cls, name, value)
                if out_of_range:
                    raise InvalidArgumentError(out_of_range) from None
                raise InvalidArgumentError(f"{name} must be {_expected(cls, name)}, got {type(value).__name__}: {value!r:.60}") from None
        raise


def _out_of_range(cls: Any, name: str, value: Any) -> str | None:
    """What is wrong with an integer the field's type cannot hold, if that is what is wrong."""
    field = cls.DESCRIPTOR.fields_by_name.get(name)
    if field is None or isinstance(value, bool) or not isinstance(value, numbers.Integral) or field.type not in _RANGES:
        return None
    low, high, low_text, high_text = _RANGES[field.type]
    if low <= value <= high:
        return None
    return f"{name} must be an integer from {low_text} to {high_text}, got {value}"


def _expected(cls: Any, name: str) -> str:
    field = cls.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        return "a known field"
    kind = field.message_type.name if field.type == FieldDescriptor.TYPE_MESSAGE else _KINDS.get(field.type, "of another type")
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == FieldDescriptor.LABEL_REPEATED
    return f"a list of {kind.removeprefix('a ').removeprefix('an ')}s" if repeated else kind
