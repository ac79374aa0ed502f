"""Prometheus metrics of the event backbone (names from docs/architecture.md §8)."""

from prometheus_client import Counter, Gauge

OUTBOX_PENDING = Gauge("retail_outbox_pending", "Outbox events not yet confirmed by the broker.")
EVENTS_FAILED = Counter("retail_events_failed_total", "Events moved to a dead-letter topic.", ["topic"])
CONSUMER_LAG = Gauge("retail_consumer_lag", "Messages behind the partition end.", ["group", "topic"])
EVENTS_HANDLED = Counter("retail_events_handled_total", "Events handled, by outcome.", ["group", "topic", "outcome"])
