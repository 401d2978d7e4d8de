"""Every call of the client carries W3C trace context (``traceparent``), seen from the archive's side:
a real OTLP/HTTP receiver, standing where an OpenTelemetry collector would, gets the archive's spans
(OTEL_EXPORTER_OTLP_ENDPOINT), and the spans of the gateway belong to the trace the client sent."""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import Stack

import visitsarch.archive as archive_module
from visitsarch import VisitSequenceArchive
from visitsarch._errors import NotFoundError


class OtlpReceiver:
    """Takes ``POST /v1/traces`` with OTLP/JSON bodies, as a collector does, and keeps the spans."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        received = self.spans

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self._body()
                if self.path != "/v1/traces" or not self.headers.get("Content-Type", "").startswith("application/json"):
                    self.send_response(400)
                    self.end_headers()
                    return
                for resource_spans in json.loads(body).get("resourceSpans", []):
                    attributes = {a["key"]: a["value"].get("stringValue") for a in resource_spans.get("resource", {}).get("attributes", [])}
                    for scope in resource_spans.get("scopeSpans", []):
                        for span in scope.get("spans", []):
                            received.append({**span, "service": attributes.get("service.name"), "parentSpanId": span.get("parentSpanId", "")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":  # node's exporter streams its body: chunked
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                else:
                    parts = []
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    body = b"".join(parts)
                return gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, found, timeout: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [span for span in list(self.spans) if found(span)]
            if matching:
                return matching
            time.sleep(0.1)
        raise AssertionError(f"no such span within {timeout} s; received: {[(s['service'], s['name'], s['traceId']) for s in self.spans]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def traced_stack():
    """A stack of its own that exports its spans to a receiver, in batches of 100 ms."""
    receiver = OtlpReceiver()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
        stack = Stack()
    yield stack, receiver
    stack.stop()
    receiver.close()


@pytest.fixture()
def sent(monkeypatch):
    """The traceparents the client made up for its calls, in order."""
    made: list[str] = []
    new_traceparent = archive_module._new_traceparent

    def recording() -> str:
        made.append(new_traceparent())
        return made[-1]

    monkeypatch.setattr(archive_module, "_new_traceparent", recording)
    return made


def test_without_opentelemetry_each_call_starts_a_trace_the_archive_continues(traced_stack, sent, monkeypatch):
    stack, receiver = traced_stack
    monkeypatch.setattr(archive_module, "_propagator", None)  # as without the opentelemetry package
    with VisitSequenceArchive(stack.gateway) as archive:
        assert archive.query("SELECT 1 AS one")["one"].tolist() == [1]  # a server stream (_stream)
        with pytest.raises(NotFoundError):
            archive.get(str(uuidlib.uuid4()))  # a unary call (_call), failing
    assert len(sent) == 2
    assert len({traceparent.split("-")[1] for traceparent in sent}) == 2  # a trace per call
    for traceparent, method in zip(sent, ["Query", "GetVisitSequence"]):
        assert traceparent.startswith("00-") and traceparent.endswith("-01")
        _, trace_id, parent_id, _ = traceparent.split("-")
        # The gateway's forwarding is the child of what the client sent, and metadata's span the child of that.
        (forwarding,) = receiver.wait_for(lambda span: span["traceId"] == trace_id and span["service"] == "visitsarch-gateway")
        assert forwarding["name"] == f"visitsarch.metadata.v1.MetadataService/{method}"
        assert forwarding["parentSpanId"] == parent_id
        (served,) = receiver.wait_for(lambda span: span["traceId"] == trace_id and span["service"] == "visitsarch-metadata")
        assert served["parentSpanId"] == forwarding["spanId"]


def test_the_current_opentelemetry_span_is_the_parent(traced_stack, sent):
    trace = pytest.importorskip("opentelemetry.trace", reason="the opentelemetry API is an optional dependency")
    stack, receiver = traced_stack
    assert archive_module._w3c_propagator() is not None
    caller = trace.SpanContext(trace_id=int(uuidlib.uuid4().hex, 16), span_id=int(uuidlib.uuid4().hex[:16], 16), is_remote=False, trace_flags=trace.TraceFlags(1))
    with VisitSequenceArchive(stack.gateway) as archive:
        with trace.use_span(trace.NonRecordingSpan(caller)):
            archive.query("SELECT 1 AS one")
        assert sent == []  # nothing made up: the current span's context was sent
        archive.query("SELECT 1 AS one")
        assert len(sent) == 1  # no span current: a trace of the call's own
    trace_id, span_id = f"{caller.trace_id:032x}", f"{caller.span_id:016x}"
    (forwarding,) = receiver.wait_for(lambda span: span["traceId"] == trace_id and span["service"] == "visitsarch-gateway")
    assert forwarding["parentSpanId"] == span_id
