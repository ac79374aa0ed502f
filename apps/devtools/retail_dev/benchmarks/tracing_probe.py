"""In-process cost of tracing per request, inside the users project: `python -m retail_dev.benchmarks.tracing_probe`.

The parent (bench tracing) runs it twice, with OTEL_EXPORTER_OTLP_ENDPOINT unset and set; prints one
JSON object: microseconds per GET /api/auth/jwks through Django's whole middleware stack (test client,
no socket), and per call of the Kafka helpers every outbox write and consumed message go through.
"""

import json
import statistics
import time

import django

ROUNDS = 2000


def per_call_us(fn, rounds: int) -> float:
    """Median of 5 runs of `rounds` calls, in microseconds per call."""
    runs = []
    for _ in range(5):
        began = time.perf_counter_ns()
        for _ in range(rounds):
            fn()
        runs.append((time.perf_counter_ns() - began) / rounds / 1000)
    return round(statistics.median(runs), 2)


class _Message:
    """What consumer_span reads of a confluent-kafka message."""

    def topic(self):
        return "order-created"

    def partition(self):
        return 0

    def offset(self):
        return 42

    def key(self):
        return b"order-1"


def main() -> None:
    django.setup()
    from django.test import Client

    from retail_common.observability import tracing

    client = Client()
    assert client.get("/api/auth/jwks").status_code == 200
    headers = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    message = _Message()

    def consume():
        with tracing.consumer_span(topic="order-created", group="bench", msg=message, headers=headers):
            pass

    print(
        json.dumps(
            {
                "tracing": tracing.tracing_enabled(),
                "request_us": per_call_us(lambda: client.get("/api/auth/jwks"), ROUNDS // 4),
                "outbox_context_capture_us": per_call_us(tracing.trace_context_capture, ROUNDS),
                "consumer_span_us": per_call_us(consume, ROUNDS),
                "log_ids_us": per_call_us(tracing.current_ids, ROUNDS),
            }
        )
    )


if __name__ == "__main__":
    main()
