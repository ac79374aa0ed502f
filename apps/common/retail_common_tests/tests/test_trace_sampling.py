"""The sampler tracing_setup installs: OpenTelemetry's own, from OTEL_TRACES_SAMPLER(_ARG), behind the entry-point rule.

The rules below are the SDK's, read in open-telemetry/opentelemetry-python at 0a5d76b65094a4bad414e0c0ab68981fc266f0a9
(requirements pin 1.45.1), opentelemetry-sdk/src/opentelemetry/sdk/trace/sampling.py:
- TraceIdRatioBased keeps a trace when the low 64 bits of its id are below round(ratio * 2**64)
  (`get_bound_for_rate`, `TRACE_ID_LIMIT`);
- ParentBased follows the parent's sampled flag, remote or local, whatever the ratio;
- `_get_from_env_or_default` reads the two variables (unset: parentbased_always_on) and, on a sampler name
  or a ratio it cannot read, only logs a warning and samples everything: configured_sampler refuses those.
"""

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from retail_common.observability import tracing
from retail_common.observability.trace_sampling import configured_sampler

KEEP, DROP = Decision.RECORD_AND_SAMPLE, Decision.DROP
LOW_64_BITS = (1 << 64) - 1


def sampled_by(monkeypatch, ratio: str | None, sampler: str = "parentbased_traceidratio"):
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.delenv("OTEL_TRACES_SAMPLER_ARG", raising=False)
    if ratio is not None:
        monkeypatch.setenv("OTEL_TRACES_SAMPLER", sampler)
        monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", ratio)
    return configured_sampler()


def parent(sampled: bool, trace_id: int = 7):
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    span = NonRecordingSpan(SpanContext(trace_id, 0x51, is_remote=True, trace_flags=flags))
    return trace.set_span_in_context(span)


def decision(sampler, kind: SpanKind, trace_id: int, parent_context=None) -> Decision:
    return sampler.should_sample(parent_context, trace_id, "span", kind).decision


@pytest.mark.parametrize(("ratio", "bound"), [("0.25", 1 << 62), ("0.10", round(0.1 * (1 << 64))), ("1.0", 1 << 64)])
def test_an_entry_span_starts_a_trace_when_its_ids_low_bits_are_below_the_sdks_bound(monkeypatch, ratio, bound):
    sampler = sampled_by(monkeypatch, ratio)
    for kind in (SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER):
        assert decision(sampler, kind, bound - 1) is KEEP
        assert decision(sampler, kind, (0xABC << 64) | (bound - 1)) is KEEP  # only the low 64 bits count
        if bound <= LOW_64_BITS:
            assert decision(sampler, kind, bound) is DROP


def test_a_span_with_a_parent_follows_the_parent_not_the_ratio(monkeypatch):
    sampler = sampled_by(monkeypatch, "0.10")
    above, below = LOW_64_BITS, 1
    assert decision(sampler, SpanKind.SERVER, above, parent(sampled=True, trace_id=above)) is KEEP
    assert decision(sampler, SpanKind.CLIENT, above, parent(sampled=True, trace_id=above)) is KEEP
    assert decision(sampler, SpanKind.SERVER, below, parent(sampled=False, trace_id=below)) is DROP
    assert decision(sampler, SpanKind.CONSUMER, below, parent(sampled=False, trace_id=below)) is DROP


@pytest.mark.parametrize("ratio", ["1.0", None])
def test_a_query_or_a_cache_call_on_its_own_starts_no_trace(monkeypatch, ratio):
    sampler = sampled_by(monkeypatch, ratio)
    assert decision(sampler, SpanKind.CLIENT, 1) is DROP
    assert decision(sampler, SpanKind.INTERNAL, 1) is DROP


def test_unset_keeps_every_request_and_message_as_before(monkeypatch):
    sampler = sampled_by(monkeypatch, None)
    assert sampler.get_description() == (
        "EntryPointSampler{server,consumer,producer}/ParentBased{root:AlwaysOnSampler,"
        "remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
        "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"
    )
    assert decision(sampler, SpanKind.SERVER, LOW_64_BITS) is KEEP
    assert decision(sampler, SpanKind.CLIENT, LOW_64_BITS, parent(sampled=False)) is DROP


@pytest.mark.parametrize(
    ("sampler", "ratio", "refusal"),
    [
        (
            "ratio",
            "0.1",
            "OTEL_TRACES_SAMPLER='ratio': set one of always_on, always_off, parentbased_always_on,"
            " parentbased_always_off, traceidratio, parentbased_traceidratio, or leave it unset",
        ),
        (
            "parentbased_traceidratio",
            "10%",
            "OTEL_TRACES_SAMPLER_ARG='10%': set the share of traces parentbased_traceidratio keeps, from 0 to 1"
            " (0.1 keeps 10 %)",
        ),
        (
            "traceidratio",
            "1.5",
            "OTEL_TRACES_SAMPLER_ARG='1.5': set the share of traces traceidratio keeps, from 0 to 1 (0.1 keeps 10 %)",
        ),
        (
            "parentbased_traceidratio",
            "",
            "OTEL_TRACES_SAMPLER_ARG='': set the share of traces parentbased_traceidratio keeps, from 0 to 1"
            " (0.1 keeps 10 %)",
        ),
    ],
)
def test_a_value_the_sdk_would_turn_into_sample_everything_stops_start_up(monkeypatch, sampler, ratio, refusal):
    with pytest.raises(ImproperlyConfigured) as refused:
        sampled_by(monkeypatch, ratio, sampler)
    assert str(refused.value) == refusal


def test_tracing_setup_refuses_a_bad_sampler_before_installing_anything(monkeypatch):
    before = sys.getswitchinterval()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "ten")
    try:
        with pytest.raises(ImproperlyConfigured):
            tracing.tracing_setup("orders")
    finally:
        sys.setswitchinterval(before)
    assert not tracing.tracing_enabled()
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


class MessageProbe:
    """Stands for a confluent_kafka Message (which cannot be built outside a consumer): records every
    accessor the span code calls."""

    def __init__(self):
        self.calls: list[str] = []

    def __getattr__(self, name):
        def accessor():
            self.calls.append(name)
            return b"k" if name == "key" else 0

        return accessor


@pytest.fixture
def unsampled_tracer(monkeypatch):
    """tracing's Kafka helpers on a provider with the prod overlay's sampler, exporting to memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampled_by(monkeypatch, "0.10"))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_enabled", True)
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    return exporter


UNSAMPLED = "00-0000000000000000ffffffffffffffff-0000000000000051-00"


def test_an_unsampled_message_is_handled_without_building_its_span(unsampled_tracer):
    message = MessageProbe()
    with tracing.consumer_span(topic="order-created", group="g", msg=message, headers={"traceparent": UNSAMPLED}):
        pass
    assert (message.calls, unsampled_tracer.get_finished_spans()) == ([], ())


def test_an_unsampled_send_passes_the_decision_on_without_attributes(unsampled_tracer):
    class Watched(dict):
        read: list[str] = []

        def get(self, name, default=None):
            self.read.append(name)
            return super().get(name, default)

    message = Watched(topic="order-created", key="o-1", headers={})
    sent = []
    tracing.producer_send([message], [{"traceparent": UNSAMPLED}], lambda batch: sent.extend(batch) or [True])
    (headers,) = (m["headers"] for m in sent)
    assert headers["traceparent"].startswith("00-0000000000000000ffffffffffffffff-")
    assert headers["traceparent"].endswith("-00")  # the consumer's ParentBased drops it too
    assert (Watched.read, unsampled_tracer.get_finished_spans()) == ([], ())


def test_log_lines_of_an_unsampled_trace_still_carry_its_ids(unsampled_tracer):
    """Loki joins a request's lines across services by trace id, sampled or not (deploy/README.md)."""
    trace_id = LOW_64_BITS
    with tracing._tracer.start_as_current_span("GET", context=parent(False, trace_id), kind=SpanKind.SERVER) as span:
        ids = tracing.current_ids()
    assert not span.is_recording()
    assert ids == (format(trace_id, "032x"), format(span.get_span_context().span_id, "016x"))
