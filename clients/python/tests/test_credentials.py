"""Where the client finds its token and TLS settings, and that every call carries the token (no stack needed)."""

from __future__ import annotations

import os
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from visitsarch import AuthenticationError, PermissionDeniedError, VisitSequenceArchive, VisitsarchError
from visitsarch._credentials import Tls, find_tls, find_token, visitsarch_home


def test_the_token_given_wins_then_the_variable_then_the_file_then_the_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "token").write_text("vsa_home_secret\n")
    named = tmp_path / "named"
    named.write_text("  vsa_file_secret \n")
    env = {"VISITSARCH_HOME": str(home), "VISITSARCH_TOKEN_FILE": str(named), "VISITSARCH_TOKEN": "vsa_env_secret"}
    assert find_token("vsa_given_secret", env) == "vsa_given_secret"
    assert find_token(None, env) == "vsa_env_secret"
    assert find_token(None, {**env, "VISITSARCH_TOKEN": ""}) == "vsa_file_secret"
    assert find_token(None, {"VISITSARCH_HOME": str(home)}) == "vsa_home_secret"


def test_the_home_is_found_as_npm_start_finds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert visitsarch_home({}) == tmp_path / ".local" / "share" / "visitsarch"
    assert visitsarch_home({"XDG_DATA_HOME": str(tmp_path / "data")}) == tmp_path / "data" / "visitsarch"
    assert visitsarch_home({"VISITSARCH_HOME": str(tmp_path / "h"), "XDG_DATA_HOME": "/elsewhere"}) == (tmp_path / "h").resolve()
    (tmp_path / "data" / "visitsarch").mkdir(parents=True)
    (tmp_path / "data" / "visitsarch" / "token").write_text("vsa_xdg_secret")
    assert find_token(None, {"XDG_DATA_HOME": str(tmp_path / "data")}) == "vsa_xdg_secret"


def test_no_token_is_no_error_here_but_an_unreadable_file_is(tmp_path):
    assert find_token(None, {"VISITSARCH_HOME": str(tmp_path)}) is None
    assert find_token(None, {"VISITSARCH_TOKEN_FILE": str(tmp_path / "missing")}) is None
    (tmp_path / "empty").write_text("\n")
    assert find_token(None, {"VISITSARCH_TOKEN_FILE": str(tmp_path / "empty")}) is None
    with pytest.raises(VisitsarchError, match=r"cannot read the token file .* \(VISITSARCH_TOKEN_FILE\): Is a directory"):
        find_token(None, {"VISITSARCH_TOKEN_FILE": str(tmp_path)})


def test_tls_comes_from_a_ca_file_or_visitsarch_tls(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    assert find_tls(None, {}) is None
    assert find_tls(None, {"VISITSARCH_TLS": "0"}) is None
    assert find_tls(None, {"VISITSARCH_TLS": "1"}) == Tls(None)
    assert find_tls(None, {"VISITSARCH_TLS_CA_FILE": str(ca), "VISITSARCH_TLS": "0"}) == Tls(ca.read_bytes())
    assert find_tls(ca, {}) == Tls(ca.read_bytes())
    with pytest.raises(VisitsarchError, match="VISITSARCH_TLS: expected 1"):
        find_tls(None, {"VISITSARCH_TLS": "maybe"})
    with pytest.raises(VisitsarchError, match=r"cannot read the CA file .* \(VISITSARCH_TLS_CA_FILE\)"):
        find_tls(None, {"VISITSARCH_TLS_CA_FILE": str(tmp_path / "missing.pem")})


class _Refusing(grpc.GenericRpcHandler):
    """A server that answers every call with `code`, recording each call's metadata."""

    def __init__(self, code: grpc.StatusCode) -> None:
        self.code = code
        self.seen: list[dict[str, str]] = []

    def service(self, details):
        def answer(request, context):
            self.seen.append(dict(context.invocation_metadata()))
            context.abort(self.code, "no token" if self.code == grpc.StatusCode.UNAUTHENTICATED else "needs admin")

        if details.method.endswith(("Stream", "Query")) or details.method.endswith("DownloadVisits"):
            return grpc.unary_stream_rpc_method_handler(answer)
        return grpc.unary_unary_rpc_method_handler(answer)


@pytest.fixture
def refusing():
    def start(code: grpc.StatusCode):
        handler = _Refusing(code)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        started.append(server)
        return f"127.0.0.1:{port}", handler

    started: list[grpc.Server] = []
    yield start
    for server in started:
        server.stop(None)


def test_every_call_carries_the_token_unary_and_streaming(refusing, monkeypatch):
    monkeypatch.delenv("VISITSARCH_TOKEN", raising=False)
    address, handler = refusing(grpc.StatusCode.UNAUTHENTICATED)
    with VisitSequenceArchive(address, token="vsa_given_secret", flight=False) as archive:
        with pytest.raises(AuthenticationError, match="no token") as raised:
            archive.is_tagged("00000000-0000-0000-0000-000000000000", "nominal")
        assert isinstance(raised.value, PermissionError)
        with pytest.raises(AuthenticationError):
            archive.query("SELECT 1")
    assert [seen["authorization"] for seen in handler.seen] == ["Bearer vsa_given_secret"] * 2
    assert all("traceparent" in seen for seen in handler.seen)


def test_without_a_token_calls_carry_none_and_a_refusal_is_a_permission_error(refusing, tmp_path, monkeypatch):
    for variable in ("VISITSARCH_TOKEN", "VISITSARCH_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("VISITSARCH_HOME", str(tmp_path))
    address, handler = refusing(grpc.StatusCode.PERMISSION_DENIED)
    with VisitSequenceArchive(address, flight=False) as archive:
        with pytest.raises(PermissionDeniedError, match="needs admin"):
            archive.is_tagged("00000000-0000-0000-0000-000000000000", "nominal")
    assert "authorization" not in handler.seen[0]


def test_the_archive_finds_the_token_in_its_home(refusing, tmp_path, monkeypatch):
    for variable in ("VISITSARCH_TOKEN", "VISITSARCH_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("VISITSARCH_HOME", str(tmp_path))
    Path(tmp_path, "token").write_text("vsa_home_secret\n")
    address, handler = refusing(grpc.StatusCode.UNAUTHENTICATED)
    with VisitSequenceArchive(address, flight=False) as archive, pytest.raises(AuthenticationError):
        archive.is_tagged("00000000-0000-0000-0000-000000000000", "nominal")
    assert handler.seen[0]["authorization"] == "Bearer vsa_home_secret"
