"""A small OTLP/HTTP trace receiver (POST /v1/traces, protobuf) for tests and `bench saga --tracing`.

It answers as a collector would and keeps what it received as plain Span records (or only counts
them): stdlib http.server and the protobuf classes of opentelemetry-proto, no collector binary.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from retail_dev.netutil import free_port
from retail_dev.stub_http import StubHandler
from retail_dev.testing import poll

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str  # "" for a root span
    name: str
    kind: str
    service: str
    role: str
    attributes: dict = field(hash=False)
    status: int = 0  # 0 unset, 1 ok, 2 error


def _value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind in ("string_value", "bool_value", "int_value", "double_value") else None


def span_count(body: bytes) -> int:
    """How many spans an export carries, parsed in protobuf's C code only: what `keep=False` does, so
    that the benchmark's stand-in for a collector (which runs on another node) takes as little of the
    measured machine's CPU as it can."""
    request = ExportTraceServiceRequest.FromString(body)
    return sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)


def decode(body: bytes) -> list[Span]:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    Span(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_id=span.parent_span_id.hex(),
                        name=span.name,
                        kind=KINDS.get(span.kind, str(span.kind)),
                        service=str(resource.get("service.name", "")),
                        role=str(resource.get("process.role", "")),
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        status=span.status.code,
                    )
                )
    return spans


class OtlpReceiver:
    """`with OtlpReceiver() as receiver:` serves on a free port; `receiver.endpoint` is the OTLP base URL."""

    def __init__(self, *, keep: bool = True):
        self.keep = keep
        self.spans: list[Span] = []
        self.count = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="otlp-receiver", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handler(self):
        receiver = self

        class Handler(StubHandler):  # quiet: the exporters post several times a second
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404, "only /v1/traces is served")
                    return
                try:
                    spans = decode(body) if receiver.keep else []
                    count = len(spans) if receiver.keep else span_count(body)
                except Exception:  # a body that is not an ExportTraceServiceRequest
                    self.send_error(400, "not an OTLP ExportTraceServiceRequest")
                    return
                receiver.received(count, spans)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.reply(200, answer, headers={"Content-Type": "application/x-protobuf"})

        return Handler

    def received(self, count: int, spans: list[Span]) -> None:
        with self.lock:
            self.count += count
            self.spans.extend(spans)

    def snapshot(self) -> list[Span]:
        with self.lock:
            return list(self.spans)

    def wait_for(self, predicate, *, timeout: float = 60.0) -> list[Span]:
        """The spans received once predicate(spans) holds (AssertionError naming them if it never does)."""
        return poll(self.snapshot, until=predicate, timeout=timeout, message="the spans awaited arrive")

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
