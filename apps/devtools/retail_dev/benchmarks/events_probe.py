"""Database side of `bench events`, run inside the library's project (`python -m retail_dev.benchmarks.events_probe`).

fill N     write N events into the outbox in bulk (the relay sends them)
publish R D L  publish R events/s for D seconds through publish() (commit + after-commit fast path), keys L-n
latency L  JSON: publish-to-handled latencies of the events with keys L-n (outbox created_at -> inbox processed_at)
"""

import json
import sys
import time
import uuid

import django

from retail_dev.factories import order_created_payload

GROUP = "bench"
TOPIC = "order-created"


def payload(n: int) -> dict:
    items = [{"product_id": 1, "quantity": 1, "sku": "BENCH-1", "unit_price": "1.00"}]
    return order_created_payload(uuid.UUID(int=n), user_id=uuid.UUID(int=n + 1), items=items, total="1.00")


def fill(count: int) -> dict:
    from retail_common.events.outbox.write import envelope_build
    from retail_common.models import OutboxEvent

    rows = []
    for n in range(count):
        envelope = envelope_build(event_type=TOPIC, payload=payload(n))
        rows.append(OutboxEvent(event_id=envelope["event_id"], topic=TOPIC, key=f"order-{n}", envelope=envelope))
    OutboxEvent.objects.bulk_create(rows, batch_size=2000)
    return {"inserted": count}


def producer_ready() -> None:
    """A running service's producer already holds its idempotent-producer id; a fresh process waits
    ~0.5 s for it, and the first events of a phase would measure that start-up instead."""
    from retail_common.events import kafka
    from retail_dev.events_testing import WARM_UP_TOPIC, warm_producer

    kafka.topics_ensure([WARM_UP_TOPIC])
    warm_producer()


def publish_at_rate(rate: float, duration: float, label: str) -> dict:
    from django.db import transaction

    from retail_common.events.outbox.write import publish

    producer_ready()
    interval, total = 1.0 / rate, int(rate * duration)
    started = time.monotonic()
    for n in range(total):
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            publish(event_type=TOPIC, key=f"{label}-{n}", payload=payload(n))
    return {"published": total, "seconds": round(time.monotonic() - started, 2)}


def latency(label: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT EXTRACT(EPOCH FROM (p.processed_at - o.created_at)) * 1000
            FROM retail_common_outboxevent o
            JOIN retail_common_processedevent p ON p.event_id = o.event_id AND p."group" = %s
            WHERE o.key LIKE %s
            """,
            [GROUP, f"{label}-%"],
        )
        return {"latencies_ms": [float(row[0]) for row in cursor.fetchall()]}


def main() -> None:
    django.setup()
    command, *args = sys.argv[1:]
    if command == "fill":
        result = fill(int(args[0]))
    elif command == "publish":
        result = publish_at_rate(float(args[0]), float(args[1]), args[2])
    elif command == "latency":
        result = latency(args[0])
    else:
        raise SystemExit(f"unknown probe command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
