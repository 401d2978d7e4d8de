"""Fixtures that start a real visitsarch stack (embedded PostgreSQL, five services) for the tests."""

from __future__ import annotations

import atexit
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pyarrow.fs as pafs
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
STACK_MAIN = REPO_ROOT / "tools" / "stack" / "dist" / "main.js"

# Every stack these tests start accepts one admin token: the first writes it to its home (`npm
# start` does, decision 0020), the others are started with it there, which registers it. The
# client finds it through $VISITSARCH_TOKEN_FILE, here and in the processes the tests start (the
# CLI, the fresh environment's Python), whichever stack they call.
SESSION_TOKEN_FILE = Path(tempfile.mkdtemp(prefix="visitsarch-py-token-")) / "token"
os.environ["VISITSARCH_TOKEN_FILE"] = str(SESSION_TOKEN_FILE)
atexit.register(shutil.rmtree, SESSION_TOKEN_FILE.parent, True)


# Ports for the servers the tests start: below the kernel's ephemeral range (32768 and up), where
# the outgoing connections of every process here take their local ports. A port the kernel hands
# out for `bind(0)` is free only until the server binds it, and in the meantime any connection
# (a service to PostgreSQL, a health check) may take it as its local port: the stack then fails to
# start. Disjoint from the TypeScript tests' 20000-32000 (libs/grpc-client freeAddress).
_TEST_PORTS = range(10_000, 20_000)
_handed_out: set[int] = set()


def _free_address() -> str:
    for _ in range(200):
        port = random.choice(_TEST_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return f"127.0.0.1:{port}"
    raise RuntimeError(f"no free loopback port in {_TEST_PORTS.start}-{_TEST_PORTS.stop - 1}")


class Stack:
    """A running stack: `gateway` is the address to give the client."""

    def __init__(self) -> None:
        if not STACK_MAIN.exists():
            raise RuntimeError(f"{STACK_MAIN} is missing: run `npm run build` first")
        self.home = Path(tempfile.mkdtemp(prefix="visitsarch-py-"))
        self.addresses = {
            "VISITSARCH_GATEWAY": _free_address(),
            "METADATA_SERVICE_ADDRESS": _free_address(),
            "BLOB_ARCHIVE_SERVICE_ADDRESS": _free_address(),
            "CONSDB_INGEST_SERVICE_ADDRESS": _free_address(),
            "STATS_SERVICE_ADDRESS": _free_address(),
        }
        self.gateway = self.addresses["VISITSARCH_GATEWAY"]
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VISITSARCH_ARCHIVE_URL")}
        env.update(self.addresses, VISITSARCH_HOME=str(self.home), LOG_LEVEL="warn")
        if SESSION_TOKEN_FILE.exists():
            shutil.copyfile(SESSION_TOKEN_FILE, self.home / "token")
            (self.home / "token").chmod(0o600)
        self.log = open(self.home / "stack.log", "w+b")
        self.process = subprocess.Popen(["node", str(STACK_MAIN)], env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self._wait_until_running(timeout=120)
        if not SESSION_TOKEN_FILE.exists() and (self.home / "token").exists():
            shutil.copyfile(self.home / "token", SESSION_TOKEN_FILE)
            SESSION_TOKEN_FILE.chmod(0o600)

    @property
    def token(self) -> str:
        """The admin token the stack accepts (the session's)."""
        return (self.home / "token").read_text().strip()

    def _wait_until_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"visitsarch is running" in (self.home / "stack.log").read_bytes():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the stack did not start: {(self.home / 'stack.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT, as Ctrl-C
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="session")
def stack():
    running = Stack()
    yield running
    running.stop()


# -- a real S3 server (versitygw) --------------------------------------------------------------

VERSITYGW = REPO_ROOT / ".tools" / "bin" / "versitygw"


@pytest.fixture(scope="module")
def s3_server():
    """versitygw over a temporary directory, started as libs/storage/src/testing/s3-test-server.ts does."""
    if not VERSITYGW.exists():
        pytest.skip("the S3 test server is not installed: bash tools/install-s3-server.sh")
    data = Path(tempfile.mkdtemp(prefix="visitsarch-py-s3-"))
    access, secret = "visitsarch-test", "visitsarch-test-secret"
    port = int(_free_address().rsplit(":", 1)[1])
    process = subprocess.Popen([str(VERSITYGW), "--access", access, "--secret", secret, "--port", f"127.0.0.1:{port}", "--quiet", "posix", str(data)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, f"versitygw exited: {process.stderr.read().decode()}"
            assert time.monotonic() < deadline, "versitygw did not listen within 15 s"
            time.sleep(0.05)
        # A client that may create buckets, for tests to put objects with.
        filesystem = pafs.S3FileSystem(access_key=access, secret_key=secret, scheme="http", endpoint_override=f"127.0.0.1:{port}", region="us-east-1", allow_bucket_creation=True)
        yield {"endpoint": f"http://127.0.0.1:{port}", "access": access, "secret": secret, "filesystem": filesystem}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(data, ignore_errors=True)
