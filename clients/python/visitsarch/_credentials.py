"""How the client presents itself to the archive: its bearer token and TLS settings.

The same rules as the ``visitsarch`` CLI (docs/configuration.md): the token given, else
``$VISITSARCH_TOKEN``, else the file ``$VISITSARCH_TOKEN_FILE``, else ``$VISITSARCH_HOME/token``
(what ``npm start`` writes); TLS when a CA bundle is given (``tls_ca_file``,
``$VISITSARCH_TLS_CA_FILE``) or ``$VISITSARCH_TLS=1`` (the system's CAs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._errors import VisitsarchError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def visitsarch_home(env: Mapping[str, str] | None = None) -> Path:
    """The archive's state directory, as ``npm start`` and the CLI find it: ``$VISITSARCH_HOME``,
    else ``$XDG_DATA_HOME/visitsarch``, else ``~/.local/share/visitsarch``."""
    env = os.environ if env is None else env
    if env.get("VISITSARCH_HOME"):
        return Path(env["VISITSARCH_HOME"]).expanduser().resolve()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "visitsarch"


def find_token(token: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The bearer token to send: ``token``, else the environment's (see the module). None when
    there is none, a missing token file included: the archive then answers that a token is
    needed. A token file that exists but cannot be read raises VisitsarchError."""
    env = os.environ if env is None else env
    if token is not None and token.strip():
        return token.strip()
    if env.get("VISITSARCH_TOKEN", "").strip():
        return env["VISITSARCH_TOKEN"].strip()
    variable = "VISITSARCH_TOKEN_FILE" if env.get("VISITSARCH_TOKEN_FILE") else "VISITSARCH_HOME"
    path = Path(env["VISITSARCH_TOKEN_FILE"]).expanduser() if env.get("VISITSARCH_TOKEN_FILE") else visitsarch_home(env) / "token"
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None
    except OSError as error:
        raise VisitsarchError(f"cannot read the token file {path} ({variable}): {error.strerror or error}") from None


@dataclass(frozen=True)
class Tls:
    """Connect with TLS, verifying the server against ``root_certificates`` (PEM), or the system's CAs when None."""

    root_certificates: bytes | None = None


def find_tls(tls_ca_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Tls | None:
    """Whether and how to connect with TLS (see the module); None: plain gRPC. A CA file turns
    TLS on whatever ``$VISITSARCH_TLS`` says; one that cannot be read raises VisitsarchError."""
    env = os.environ if env is None else env
    ca_file, variable = (tls_ca_file, "tls_ca_file") if tls_ca_file else (env.get("VISITSARCH_TLS_CA_FILE"), "VISITSARCH_TLS_CA_FILE")
    if ca_file:
        try:
            return Tls(Path(ca_file).expanduser().read_bytes())
        except OSError as error:
            raise VisitsarchError(f"cannot read the CA file {ca_file} ({variable}): {error.strerror or error}") from None
    flag = env.get("VISITSARCH_TLS", "").strip().lower()
    if flag in _FALSE:
        return None
    if flag in _TRUE:
        return Tls()
    raise VisitsarchError(f"VISITSARCH_TLS: expected 1 (TLS, verified against the system's CAs) or 0, got {env['VISITSARCH_TLS']!r}")
