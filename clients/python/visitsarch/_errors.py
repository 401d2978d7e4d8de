"""Python exceptions for the gRPC statuses the archive answers with.

Each exception derives from :class:`VisitsarchError` and from the built-in exception a Python
user would expect, so ``except KeyError`` catches an unknown UUID and ``except ValueError``
catches bad input. The message is the server's own.
"""

from __future__ import annotations

import re

import grpc


class VisitsarchError(Exception):
    """Base class of every error raised by the visitsarch client.

    Attributes
    ----------
    code : grpc.StatusCode or None
        The gRPC status the archive answered with, if any.
    """

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class NotFoundError(VisitsarchError, KeyError):
    """NOT_FOUND: no visit sequence (or file, environment, …) has that key."""


class InvalidArgumentError(VisitsarchError, ValueError):
    """INVALID_ARGUMENT: a value given to the archive is malformed or out of range."""


class AlreadyExistsError(VisitsarchError, FileExistsError):
    """ALREADY_EXISTS: e.g. the sequence already has a file of that type (use ``replace=True``)."""


class FailedPreconditionError(VisitsarchError, RuntimeError):
    """FAILED_PRECONDITION: the archive's state does not allow it (e.g. visits not stored)."""


class DataLossError(VisitsarchError, IOError):
    """DATA_LOSS: stored bytes do not match their recorded SHA-256; nothing wrong is returned."""


class ArchiveUnavailableError(VisitsarchError, ConnectionError):
    """UNAVAILABLE: the gateway (or a service behind it) cannot be reached; retrying later may work."""


class DeadlineExceededError(VisitsarchError, TimeoutError):
    """DEADLINE_EXCEEDED: the call ran out of time (the client's timeout, or a query's statement
    timeout); the same call again is likely to take as long."""


class NotImplementedByServerError(VisitsarchError, NotImplementedError):
    """UNIMPLEMENTED: this archive does not offer the operation (yet)."""


class AuthenticationError(VisitsarchError, PermissionError):
    """UNAUTHENTICATED: no token, or one the archive does not accept (unknown, expired, revoked)."""


class PermissionDeniedError(VisitsarchError, PermissionError):
    """PERMISSION_DENIED: the token's scopes do not allow the operation (e.g. a delete needs ``admin``)."""


_BY_CODE = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgumentError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.DATA_LOSS: DataLossError,
    grpc.StatusCode.UNAVAILABLE: ArchiveUnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNIMPLEMENTED: NotImplementedByServerError,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
}


def from_rpc_error(error: grpc.RpcError, gateway: str | None = None) -> VisitsarchError:
    """The Python exception for a failed gRPC call, carrying the server's message; a gateway
    that could not be reached at all (at ``gateway``) is said so, with what to check."""
    code = error.code() if hasattr(error, "code") else None
    details = error.details() if hasattr(error, "details") else str(error)
    cls = _BY_CODE.get(code, VisitsarchError)
    name = code.name if code is not None else "UNKNOWN"
    if code == grpc.StatusCode.UNAVAILABLE and gateway and _NOT_CONNECTED.match(details or ""):
        hint = (
            "it closed the connection (if it serves TLS, set VISITSARCH_TLS_CA_FILE, or VISITSARCH_TLS=1)"
            if _CLOSED.search(details or "")
            else "is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address"
        )
        return cls(f"cannot reach the gateway at {gateway}: {hint} ({details})", code)
    return cls(f"{details} ({name})", code)


# grpc's own words, at the start of the details, for a channel that never connected to the gateway
# (refused, unresolvable, or closed during the handshake), not a service behind it being unavailable.
_NOT_CONNECTED = re.compile(r"failed to connect to all addresses|DNS resolution failed", re.IGNORECASE)
_CLOSED = re.compile(r"Socket closed|handshake|Connection reset", re.IGNORECASE)
