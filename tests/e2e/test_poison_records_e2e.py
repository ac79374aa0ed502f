"""Poison records on every consumed topic, through the real consumer processes of every group: each
ends as a failed event of its service, no consumer stops, and the saga goes on (issue: a NUL byte used
to crash the inventory and orders consumers in a loop)."""

import uuid
from collections import Counter

from confluent_kafka import Producer

from retail_common.events.registry import SUBSCRIPTIONS
from retail_dev.infra import Broker
from retail_dev.shop_client import call, token

POISON = [
    (b"nul", b"\x00 a NUL byte \x00", [("h", b"\x00")]),
    (b"\xff\xfe", b"\xff\xfe invalid UTF-8", [("dup", b"1"), ("dup", b"\xff")]),
    (None, b'{"event_id": "not a uuid", "payload": []}', []),
]
CONSUMED = {topic: groups for topic, groups in SUBSCRIPTIONS.items() if groups}


def test_poison_on_every_consumed_topic_is_filed_and_the_saga_goes_on(stack):
    bootstrap = stack.broker.bootstrap if stack.broker else Broker().bootstrap
    producer = Producer({"bootstrap.servers": bootstrap, "allow.auto.create.topics": False})
    marker = uuid.uuid4().hex[:8]
    for topic in CONSUMED:
        for key, value, headers in POISON:
            producer.produce(f"e2e-{stack.run_id}.{topic}", key=key, value=value + marker.encode(), headers=headers)
    assert producer.flush(15) == 0

    # A consumer group is named after its service: each service files the records of its own groups.
    expected = Counter(group for groups in CONSUMED.values() for group in groups for _ in POISON)

    def filed(service: str) -> list[dict]:
        url = f"{stack.urls[service]}/api/admin/failed-events?page_size=100"
        rows = call("GET", url, bearer=stack.shop.admin).body["results"]
        return [row for row in rows if marker in row["payload"]]

    for service, count in expected.items():
        rows = stack.shop.wait(lambda s=service: filed(s), lambda r, c=count: len(r) >= c, timeout=90)
        assert len(rows) == count, f"{service}: every poison record of each of its groups is filed"
        assert all("\x00" not in row["payload"] and row["status"] == "PENDING" for row in rows)
    assert all(c.process.poll() is None for c in stack.launcher.supervisor.children), "no process stopped"

    product = stack.shop.product(on_hand=3)
    shopper = token()
    placed = stack.shop.order(shopper, [(product["id"], 1)])
    assert placed.status == 201, placed.body
    order = stack.shop.wait(
        lambda: stack.shop.order_status(shopper, placed.body["id"]), lambda o: o["status"] == "PAYMENT_COMPLETED"
    )
    assert order["status"] == "PAYMENT_COMPLETED", "the saga still flows through every consumer"
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 2)
    assert (stock["on_hand"], stock["reserved"]) == (2, 0)
