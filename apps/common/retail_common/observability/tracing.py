"""OpenTelemetry tracing: set up once per process when OTEL_EXPORTER_OTLP_ENDPOINT is set, nothing otherwise.

With the variable unset there is no TracerProvider, no instrumentation and no exporter thread: every
span the code asks for is the API's no-op, and the Kafka helpers below return at their first line.
With it set, the process exports OTLP over HTTP/protobuf (the exporter reads the standard OTEL_*
variables: endpoint, headers, OTEL_BSP_SCHEDULE_DELAY, …), and OpenTelemetry's own instrumentations
trace Django, psycopg, requests, gRPC (client and server) and redis. Kafka has no instrumentation
that fits the outbox, so the PRODUCER and CONSUMER spans are made here, with W3C `traceparent` and
`tracestate` in the message headers.

While spans are exported the GIL switch interval is shortened, the more the larger the share of traces
kept (SWITCH_INTERVAL_VARIABLE below: the exporter's thread encodes in Python, and every thread back from
I/O waits for it).

Which spans are kept is OpenTelemetry's own OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (each overlay
sets a parent-based ratio) behind retail_common.observability.trace_sampling's entry-point rule; a span of an unsampled
trace is the SDK's non-recording one, and the Kafka helpers below add no attributes to it.

Fork safety: gunicorn loads the application in each worker after the fork (no preload), so
`tracing_setup()` (from AppConfig.ready) runs in the worker; the SDK's BatchSpanProcessor also
restarts its thread in a forked child.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading

from django.core.exceptions import ImproperlyConfigured
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from retail_common.config.environment import env, number_within
from retail_common.config.topology import TOPOLOGY

TRACE_HEADERS = ("traceparent", "tracestate")
# manage.py command -> process role (the Deployment's component label); gunicorn and runserver are "web".
COMMAND_ROLES = {r.command[0]: r.name for r in TOPOLOGY.roles if r.process and r.command}
# Probes and scrapes every few seconds would be most of the traces and tell nothing.
EXCLUDED_URLS = "healthz,readyz,metrics"
# The BatchSpanProcessor's thread encodes spans to OTLP protobuf in Python (~0.1 ms a span on our 2-core
# VMs, ~50 ms a batch of 512). While it runs, a request or consumer thread that comes back from a database,
# Redis, gRPC or broker round trip waits for the GIL until the running thread's switch interval ends
# (5 ms by default): a 0.16 ms `SELECT 1` took 16 ms during an export (the GIL's convoy effect), on every
# round trip of the saga's path (docs/benchmarks.md, 2026-12-02). A shorter interval bounds that wait,
# but costs every thread more GIL hand-offs whether or not anything is exported. Keeping one trace in ten,
# the saga's CPU per order against tracing off averaged 1.19 times with 0.5 ms and 1.05 with Python's 5 ms
# (docs/benchmarks.md, 2026-12-07). So the default follows the share of traces kept: 0.5 ms when every
# trace is exported, longer as exports thin, Python's own from one in ten down.
SWITCH_INTERVAL_VARIABLE = "RETAIL_TRACING_SWITCH_INTERVAL_MS"
FULL_EXPORT_SWITCH_INTERVAL_MS = 0.5
PYTHON_SWITCH_INTERVAL_MS = 5.0

_lock = threading.Lock()
_set_up_in: int | None = None  # the pid that set up tracing
_enabled = False
_tracer: trace.Tracer = trace.NoOpTracer()


def tracing_wanted() -> bool:
    return bool(
        env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="") or env.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", default="")
    )


def process_role(argv: list[str] | None = None) -> str:
    """RETAIL_PROCESS_ROLE, else what the command line runs: web, consumers, relay, grpc, sweeper, or the command."""
    if env.str("RETAIL_PROCESS_ROLE", default=""):
        return env.str("RETAIL_PROCESS_ROLE")
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and os.path.basename(argv[0]).startswith("manage"):
        command = argv[1]
        return "web" if command == "runserver" else COMMAND_ROLES.get(command, command)
    return "web"


def tracing_setup(service: str) -> bool:
    """Install the provider, the exporter and the instrumentations once in this process; False when tracing is off."""
    global _set_up_in, _enabled, _tracer
    if not tracing_wanted():
        return False
    with _lock:
        if _set_up_in == os.getpid():
            return True
        from retail_common.observability.trace_sampling import configured_sampler, kept_share  # the SDK only now

        sampler = configured_sampler()  # first: a bad OTEL_TRACES_SAMPLER(_ARG) stops start-up before any install
        switch_interval_apply(kept_share())  # a bad value stops start-up too
        _set_up_in = os.getpid()
        provider = _provider(service, sampler)
        trace.set_tracer_provider(provider)
        _instrument(provider)
        _tracer = provider.get_tracer("retail_common.events")
        _enabled = True
    return True


def _provider(service: str, sampler):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    role = process_role()
    resource = Resource.create(
        {
            "service.name": env.str("OTEL_SERVICE_NAME", default="") or service,
            "service.namespace": "retail",
            "service.instance.id": f"{socket.gethostname()}-{role}-{os.getpid()}",
            "process.role": role,
        }
    )
    provider = TracerProvider(resource=resource, sampler=sampler)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _instrument(provider) -> None:
    # The stable HTTP and database conventions (http.request.method, db.query.text, …), not the old names
    # the instrumentations still emit by default; read once, at the first instrumentation.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
    from opentelemetry.instrumentation.propagators import TraceResponsePropagator, set_global_response_propagator
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    # `traceresponse` on every answer: gunicorn's access line (docker/gunicorn.conf.py) reads its ids there.
    set_global_response_propagator(TraceResponsePropagator())
    # Django's middleware list is read when the WSGI handler is built, after apps are ready: in time.
    instrumentations = {
        "django": lambda: DjangoInstrumentor().instrument(tracer_provider=provider, excluded_urls=EXCLUDED_URLS),
        "psycopg": lambda: PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True),
        "requests": lambda: RequestsInstrumentor().instrument(tracer_provider=provider, excluded_urls=EXCLUDED_URLS),
        "grpc_client": lambda: GrpcInstrumentorClient().instrument(tracer_provider=provider),
        "grpc_server": lambda: GrpcInstrumentorServer().instrument(tracer_provider=provider),
        "redis": lambda: RedisInstrumentor().instrument(tracer_provider=provider),
    }
    # OpenTelemetry's own variable (as opentelemetry-instrument reads it): e.g. "psycopg,redis" keeps the
    # query spans, most of a saga's spans, out of a busy cluster's traces.
    disabled = {name.strip() for name in env.str("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", default="").split(",")}
    for name, instrument in instrumentations.items():
        if name not in disabled:
            instrument()


def default_switch_interval_ms(share: float) -> float:
    """0.5 ms when every trace is exported, scaled up as the share kept falls (the exporter encodes that
    much less often), up to Python's own 5 ms from one trace in ten down."""
    if share <= 0:
        return PYTHON_SWITCH_INTERVAL_MS
    return min(PYTHON_SWITCH_INTERVAL_MS, FULL_EXPORT_SWITCH_INTERVAL_MS / share)


def switch_interval_apply(share: float = 1.0) -> float:
    """Shorten the interpreter's GIL switch interval while spans are exported from a thread of this process
    (RETAIL_TRACING_SWITCH_INTERVAL_MS; by default default_switch_interval_ms of the `share` of traces
    kept; 0 keeps Python's own); returns the interval in force."""
    raw = env.str(SWITCH_INTERVAL_VARIABLE, default="").strip() or str(default_switch_interval_ms(share))
    milliseconds = number_within(raw, 0, 100)
    if milliseconds is None:
        raise ImproperlyConfigured(
            f"{SWITCH_INTERVAL_VARIABLE}={raw!r}: set a number of milliseconds from 0 to 100 (0 keeps Python's default)"
        )
    if milliseconds:
        sys.setswitchinterval(milliseconds / 1000)
    return sys.getswitchinterval()


def tracing_enabled() -> bool:
    return _enabled


# -- Kafka: W3C context in the outbox row and in the message headers -------------------------------------
def trace_context_capture() -> dict[str, str]:
    """The W3C context of the current span ({traceparent, tracestate}), stored with an outbox row so the
    relayed event continues the trace that wrote it; {} when tracing is off or no span is active."""
    if not _enabled:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def producer_send(messages: list[dict], contexts: list[dict], send) -> list[bool]:
    """send(messages) -> delivered flags, each message under a PRODUCER span whose parent is the context
    stored with it; the span's own context goes into the message's headers for the consumer."""
    if not _enabled:
        return send(messages)
    spans = []
    for message, carrier in zip(messages, contexts, strict=True):
        topic = message["topic"]
        span = _tracer.start_span(
            f"send {topic}",
            context=propagate.extract(carrier or {}),  # never the sender's own current span
            kind=SpanKind.PRODUCER,
        )
        if span.is_recording():  # an unsampled trace's span only carries the decision on
            span.set_attributes(
                {
                    "messaging.system": "kafka",
                    "messaging.operation.type": "send",
                    "messaging.operation.name": "send",
                    "messaging.operation": "publish",
                    "messaging.destination.name": topic,
                    "messaging.kafka.message.key": message.get("key") or "",
                }
            )
        headers = {k: v for k, v in message["headers"].items() if k not in TRACE_HEADERS}
        propagate.inject(headers, context=trace.set_span_in_context(span))
        message["headers"] = headers
        spans.append(span)
    try:
        delivered = send(messages)
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            span.end()
        raise
    for span, ok in zip(spans, delivered, strict=True):
        if not ok:
            span.set_status(Status(StatusCode.ERROR, "not acknowledged by the broker; the outbox sends it again"))
        span.end()
    return delivered


@contextlib.contextmanager
def consumer_span(*, topic: str, group: str, msg, headers: dict[str, str], event_id: str = ""):
    """A CONSUMER span around one message's handling, child of the producer's span in its headers."""
    if not _enabled:
        yield None
        return
    carrier = {name: headers[name] for name in TRACE_HEADERS if name in headers}
    with _tracer.start_as_current_span(
        f"process {topic}", context=propagate.extract(carrier), kind=SpanKind.CONSUMER
    ) as span:
        if span.is_recording():  # an unsampled trace's span only carries the decision on
            span.set_attributes(_consumer_attributes(group, msg, event_id))
        yield span


def _consumer_attributes(group: str, msg, event_id: str) -> dict:
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.operation": "process",
        "messaging.destination.name": msg.topic(),
        "messaging.consumer.group.name": group,
        "messaging.destination.partition.id": str(msg.partition()),
        "messaging.kafka.offset": msg.offset(),
        "messaging.kafka.message.key": (msg.key() or b"").decode("utf-8", errors="replace"),
    }
    if event_id:
        attributes["messaging.message.id"] = event_id
    return attributes


def span_failed(span, exc: BaseException) -> None:
    """Mark a span (or the no-op None of tracing off) as failed by exc."""
    if span is not None:
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


def current_ids() -> tuple[str, str]:
    """(trace_id, span_id) of the current span as hex, or ("", "") outside any recorded span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return "", ""
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
