"""Trace context through the outbox and Kafka on the real PostgreSQL and broker, and nothing when tracing is off.

Spans go to an in-memory exporter of an SDK provider of the test's own (a process has one global
provider, set once): `traced` points the library's Kafka helpers at it as tracing_setup() would.
The processes' own setup, instrumentations and OTLP export are proven by tests/e2e/test_tracing_e2e.py.
"""

import io
import json
import logging
import uuid

import pytest
from django.db import transaction
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from opentelemetry.trace import SpanKind

from retail_common.db import model_sql
from retail_common.events.outbox.sender import outbox_wait_sent
from retail_common.events.outbox.write import outbox_relay_only_sql, publish
from retail_common.events.relay import OutboxRelay
from retail_common.models import OutboxEvent
from retail_common.observability import tracing
from retail_common.observability.log_context import LogContextFilter, json_formatter_config
from retail_common.observability.trace_sampling import EntryPointSampler
from retail_common_tests.events_support import TOPIC, effects
from retail_dev.events_testing import run_until
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def traced(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root=EntryPointSampler()))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_enabled", True)
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    return provider.get_tracer("test"), exporter


def hex_ids(span) -> tuple[str, str]:
    return format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")


def traceparent(span) -> str:
    trace_id, span_id = hex_ids(span)
    return f"00-{trace_id}-{span_id}-{span.context.trace_flags:02x}"


def by_kind(exporter, kind: SpanKind) -> list:
    return [s for s in exporter.get_finished_spans() if s.kind == kind]


def test_a_relayed_event_continues_the_trace_that_wrote_it(traced, consumer):
    tracer, exporter = traced
    order_id = str(uuid.uuid4())
    with tracer.start_as_current_span("POST api/orders", kind=SpanKind.SERVER) as request, transaction.atomic():
        event = publish(event_type=TOPIC, key=order_id, payload=order_created_payload(order_id), send_now=False)
    row = OutboxEvent.objects.get(id=event.id)
    assert row.trace_context == {"traceparent": traceparent(request)}

    OutboxRelay().run(once=True)  # seconds later, in another context: the stored one is the parent
    run_until(consumer, lambda: effects() == [order_id])
    run_until(consumer, lambda: by_kind(exporter, SpanKind.CONSUMER))
    (sent,) = by_kind(exporter, SpanKind.PRODUCER)
    (handled,) = by_kind(exporter, SpanKind.CONSUMER)
    assert (sent.name, sent.parent.span_id, sent.context.trace_id) == (
        "send order-created",
        request.context.span_id,
        request.context.trace_id,
    )
    assert sent.attributes["messaging.destination.name"] == TOPIC
    assert (handled.name, handled.parent.span_id) == ("process order-created", sent.context.span_id)
    assert handled.attributes["messaging.system"] == "kafka"
    assert handled.attributes["messaging.operation.type"] == "process"
    assert handled.attributes["messaging.consumer.group.name"] == "common-tests"
    assert handled.attributes["messaging.kafka.message.key"] == order_id
    assert handled.attributes["messaging.destination.name"].endswith(TOPIC)


def test_the_after_commit_sender_sends_under_the_writers_trace_too(traced, consumer):
    tracer, exporter = traced
    with tracer.start_as_current_span("POST api/orders", kind=SpanKind.SERVER) as request, transaction.atomic():
        publish(event_type=TOPIC, key="fast", payload=order_created_payload(str(uuid.uuid4())))
    assert outbox_wait_sent()
    run_until(consumer, lambda: by_kind(exporter, SpanKind.CONSUMER))
    (sent,) = by_kind(exporter, SpanKind.PRODUCER)
    (handled,) = by_kind(exporter, SpanKind.CONSUMER)
    assert sent.parent.span_id == request.context.span_id
    assert handled.parent.span_id == sent.context.span_id


def test_inventorys_sql_path_stores_the_same_context(traced):
    tracer, _ = traced
    with tracer.start_as_current_span("ReserveStock", kind=SpanKind.SERVER) as rpc:
        relay_only = outbox_relay_only_sql(
            event_type=TOPIC, key="sql", payload=order_created_payload(str(uuid.uuid4()))
        )
    model_sql.run(model_sql.with_ctes({"announced": relay_only}, "SELECT 1"))
    assert OutboxEvent.objects.get(key="sql").trace_context == {"traceparent": traceparent(rpc)}


def test_a_query_alone_starts_no_trace_but_a_request_does(traced):
    tracer, exporter = traced
    with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT):
        pass
    with (
        tracer.start_as_current_span("GET", kind=SpanKind.SERVER),
        tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT),
    ):
        pass
    assert sorted((s.name, s.kind) for s in exporter.get_finished_spans()) == [
        ("GET", SpanKind.SERVER),
        ("SELECT", SpanKind.CLIENT),
    ]


def test_tracing_off_stores_no_context_and_sends_no_trace_headers(consumer):
    assert not tracing.tracing_enabled()
    assert tracing.trace_context_capture() == {}
    with transaction.atomic():
        event = publish(event_type=TOPIC, key="untraced", payload=order_created_payload(str(uuid.uuid4())))
    assert OutboxEvent.objects.get(id=event.id).trace_context == {}
    sent = []
    assert tracing.producer_send([{"topic": TOPIC, "key": "k", "headers": {}}], [{}], sent.extend) is None
    assert sent == [{"topic": TOPIC, "key": "k", "headers": {}}]


def test_json_log_lines_carry_trace_span_and_order(traced):
    tracer, _ = traced
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = json_formatter_config()
    formatter_class = config.pop("()")
    assert formatter_class == "pythonjsonlogger.json.JsonFormatter"
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter(**config))
    handler.addFilter(LogContextFilter(service="orders"))
    logger = logging.getLogger("retail_common.tests.tracing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    from retail_common.observability.log_context import order_scope

    try:
        with tracer.start_as_current_span("process order", kind=SpanKind.CONSUMER) as span, order_scope("order-7"):
            logger.info("charged", extra={"amount": "10.00"})
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    trace_id, span_id = hex_ids(span)
    assert {k: v for k, v in inside.items() if k != "timestamp"} == {
        "level": "INFO",
        "service": "orders",
        "process": "web",
        "trace_id": trace_id,
        "span_id": span_id,
        "request_id": "",
        "order_id": "order-7",
        "message": "charged",
        "amount": "10.00",
    }
    assert inside["timestamp"].endswith("+00:00")
    assert (outside["trace_id"], outside["span_id"], "order_id" in outside) == ("", "", False)


@pytest.mark.parametrize(
    ("argv", "role"),
    [
        (["manage.py", "run_consumers"], "consumers"),
        (["/app/manage.py", "relay_outbox"], "relay"),
        (["manage.py", "run_grpc", "--port", "1"], "grpc"),
        (["manage.py", "sweep_orders"], "sweeper"),
        (["manage.py", "runserver"], "web"),
        (["manage.py", "migrate"], "migrate"),
        (["/opt/venv/bin/gunicorn", "orders_service.wsgi"], "web"),
    ],
)
def test_the_process_role_comes_from_the_command_line(monkeypatch, argv, role):
    monkeypatch.delenv("RETAIL_PROCESS_ROLE", raising=False)
    assert tracing.process_role(argv) == role


def test_tracing_stays_off_without_an_endpoint(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.tracing_setup("orders") is False
    assert not tracing.tracing_enabled()
    from opentelemetry import trace

    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"  # the API's default, no SDK
