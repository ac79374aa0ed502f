"""bench tracing: what tracing costs per request in process, off (the API's no-op) and on (SDK + export).

Runs tracing_probe in the users project twice: OTEL_EXPORTER_OTLP_ENDPOINT unset, then pointing at a
local OTLP receiver. The saga-wide figure (p50 and CPU per order, off against on) is `bench saga --tracing`.
"""

from __future__ import annotations

from retail_dev.benchmarks.servers import probe
from retail_dev.console import say
from retail_dev.environment import migrate_all
from retail_dev.otlp_receiver import OtlpReceiver
from retail_dev.projects import by_name

PROBE = "retail_dev.benchmarks.tracing_probe"


def run(args) -> dict:
    users = by_name("users")
    migrate_all("bench")
    with OtlpReceiver(keep=False) as receiver:
        say("    tracing off: requests and helpers through the API's no-op …")
        off = probe(users, PROBE)
        say("    tracing on: the SDK exporting to a local OTLP receiver …")
        on = probe(users, PROBE, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint)
        spans = receiver.count
    return {
        "off": off,
        "on": on,
        "request_added_us_on": round(on["request_us"] - off["request_us"], 1),
        "spans_received_on": spans,
    }
