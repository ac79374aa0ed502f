"""The test receiver answers as a collector: it keeps the spans it gets, or (for benchmarks) only counts them."""

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from retail_dev.otlp_receiver import OtlpReceiver


def export_three_spans(endpoint: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "orders", "process.role": "web"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST api/orders"), tracer.start_as_current_span("INSERT"):
        pass
    with tracer.start_as_current_span("GET api/orders"):
        pass
    provider.shutdown()


@pytest.mark.parametrize("keep", [True, False])
def test_it_counts_every_span_and_keeps_them_only_when_asked(keep):
    with OtlpReceiver(keep=keep) as receiver:
        export_three_spans(receiver.endpoint)
        assert receiver.count == 3
        spans = receiver.snapshot()
    if keep:
        assert sorted(s.name for s in spans) == ["GET api/orders", "INSERT", "POST api/orders"]
        assert {s.service for s in spans} == {"orders"}
        inserted = next(s for s in spans if s.name == "INSERT")
        assert inserted.parent_id == next(s.span_id for s in spans if s.name == "POST api/orders")
    else:
        assert spans == []
