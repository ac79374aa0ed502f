"""Prometheus metrics of the event backbone (names from docs/architecture.md §8)."""

from prometheus_client import Counter, Gauge

# Gauges are written by one process each (the relay, a consumer) but may be imported by a gunicorn
# worker too: "livemax" keeps a dead worker's last value out of the multiprocess export.
OUTBOX_PENDING = Gauge(
    "retail_outbox_pending", "Outbox events not yet confirmed by the broker.", multiprocess_mode="livemax"
)
EVENTS_FAILED = Counter("retail_events_failed_total", "Events moved to a dead-letter topic.", ["topic"])
CONSUMER_LAG = Gauge(
    "retail_consumer_lag", "Messages behind the partition end.", ["group", "topic"], multiprocess_mode="livemax"
)
EVENTS_PUBLISHED = Counter("retail_events_published_total", "Outbox events the broker confirmed.", ["topic"])
EVENTS_HANDLED = Counter("retail_events_handled_total", "Events handled, by outcome.", ["group", "topic", "outcome"])
