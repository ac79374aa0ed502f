"""The ops console: ADMIN only; orders by status and recent payments; failed events of every service, retried
and discarded from the page. The failed events are real: messages put on the stack's topics, filed by its consumers."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Producer

from conftest import new_product
from ops_console.failed_events import FailedEvent
from retail_dev.infra import Broker
from retail_dev.shop_client import call, token

pytestmark = pytest.mark.django_db

TOPIC = "order-created"  # consumed by the payments group (docs/architecture.md §6)


def produce(stack, topic: str, *, key: str, value: bytes, headers: dict | None = None) -> None:
    """A raw message on the stack's own copy of a topic (KAFKA_TOPIC_PREFIX e2e-<run id>.)."""
    producer = Producer({"bootstrap.servers": Broker().bootstrap, "allow.auto.create.topics": False})
    producer.produce(f"e2e-{stack.run_id}.{topic}", key=key.encode(), value=value, headers=headers or {})
    assert producer.flush(10) == 0, "the message was not delivered"


def envelope(event_type: str, payload: dict) -> bytes:
    occurred = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    event = {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1}
    return json.dumps({**event, "occurred_at": occurred, "source": "orders", "payload": payload}).encode()


def failed_events(client, **filters):
    response = client.get("/ops/failed-events/", {"status": "", **filters})
    assert response.status_code == 200
    return response


def filed(client, stack, key: str, *, topic: str = TOPIC):
    """The failed event the payments consumer filed for the message with this key (waits for it)."""
    page = stack.shop.wait(
        lambda: failed_events(client, service="payments", topic=topic),
        lambda page: any(e.key == key for e in page.context["events"]),
    )
    events = [e for e in page.context["events"] if e.key == key]
    assert len(events) == 1, f"no failed event with key {key}"
    return events[0]


def row_of(client, event):
    """The event as the unfiltered list shows it now."""
    return next(e for e in failed_events(client).context["events"] if (e.service, e.id) == (event.service, event.id))


def action(client, event, name: str, *, back: str = "/ops/failed-events/?status="):
    return client.post(f"/ops/failed-events/{event.service}/{event.id}/{name}/", {"next": back}, follow=True)


@pytest.fixture
def poison_pill(staff_client, stack):
    """A PENDING failed event of payments: bytes that are not even UTF-8 (it can only be discarded)."""
    key = f"poison-{uuid.uuid4().hex[:8]}"
    produce(stack, TOPIC, key=key, value=b"\xff not an <b>event</b>\x00")
    return filed(staff_client, stack, key)


@pytest.fixture
def dead_letter(staff_client, stack):
    """A PENDING failed event of payments: a good order-cancelled event that ran out of retries.

    It goes straight onto the group's dead-letter topic, as the consumer forwards one after its last
    attempt. The order never existed, so handling it on retry changes nothing anywhere (payments and
    inventory each only note the cancellation).
    """
    order_id = str(uuid.uuid4())
    payload = {"order_id": order_id, "user_id": str(uuid.uuid4()), "reason": "CUSTOMER_REQUEST"}
    headers = {"error-type": "OperationalError", "error-message": "the database was restarting", "retry-attempt": "4"}
    value = envelope("order-cancelled", payload)
    produce(stack, "order-cancelled.payments.dlt", key=order_id, value=value, headers=headers)
    return filed(staff_client, stack, order_id, topic="order-cancelled")


def test_anonymous_goes_to_sign_in(client, stack):
    for path in ("/ops/", "/ops/failed-events/"):
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={path.replace('/', '%2F')}"


def test_a_customer_gets_a_friendly_403(client, shopper):
    pages = [
        client.get("/ops/"),
        client.get("/ops/failed-events/"),
        client.post("/ops/failed-events/payments/1/retry/"),
    ]

    for page in pages:
        assert page.status_code == 403
        html = page.content.decode()
        assert "This page is not for you" in html
        assert "The ops console is for staff with the ADMIN role." in html
    assert 'href="/ops/"' not in client.get("/").content.decode(), "no Ops link for a customer"


def test_dashboard_shows_order_counts_by_status_and_recent_payments(staff_client, stack):
    product = new_product(stack, on_hand=5, price="9.50")
    shopper = token(uuid.uuid4())
    placed = stack.shop.order(shopper, [(product["id"], 2)])
    assert placed.status == 201, placed.body
    order_id = placed.body["id"]
    paid = stack.shop.wait(
        lambda: stack.shop.order_status(shopper, order_id), lambda o: o["status"] == "PAYMENT_COMPLETED"
    )
    assert paid["status"] == "PAYMENT_COMPLETED"

    page = staff_client.get("/ops/")

    assert page.status_code == 200
    counts = {status: count for status, _, count in page.context["counts"]}
    for status, count in counts.items():
        answer = call(
            "GET", f"{stack.urls['orders']}/api/admin/orders?status={status}&page_size=1", bearer=stack.shop.admin
        )
        assert count == answer.body["count"], status
    assert counts["PAYMENT_COMPLETED"] >= 1
    html = page.content.decode()
    assert (
        f'<span class="stat__value">{counts["PAYMENT_COMPLETED"]}</span><span class="stat__label">Payment completed'
        in html
    )
    payment = next(p for p in page.context["payments"] if p.order_id == order_id)
    assert (payment.status, str(payment.amount)) == ("CAPTURED", "19.00")
    assert f"{order_id[:8]}…" in html
    assert page.context["notes"] == []


def test_dashboard_filters_recent_orders_by_status(staff_client, stack):
    filtered = staff_client.get("/ops/", {"status": "PAYMENT_COMPLETED"})
    bogus = staff_client.get("/ops/", {"status": "NOT_A_STATUS"})

    assert filtered.context["wanted"] == "PAYMENT_COMPLETED"
    assert {o.status for o in filtered.context["recent"].orders} <= {"PAYMENT_COMPLETED"}
    assert 'class="stat stat--selected" href="?status=PAYMENT_COMPLETED"' in filtered.content.decode()
    assert bogus.status_code == 200
    assert bogus.context["wanted"] == ""


def test_failed_events_page_lists_a_poison_pill_from_payments(staff_client, stack, poison_pill):
    page = failed_events(staff_client)

    assert page.context["unreachable"] == []
    assert (poison_pill.group, poison_pill.topic, poison_pill.status) == ("payments", TOPIC, "PENDING")
    assert poison_pill.error_type == "UnicodeDecodeError"
    html = page.content.decode()
    assert f'<tr id="fe-payments-{poison_pill.id}">' in html
    assert f'aria-label="Retry payments event {poison_pill.id}"' in html
    assert f'aria-label="Discard payments event {poison_pill.id}"' in html
    # The message as received, shown safely: invalid UTF-8 and NUL escaped, markup as text.
    assert poison_pill.value_size == 22
    assert "<summary>Message (22 bytes)</summary>" in html
    assert '<pre class="mono">\\xff not an &lt;b&gt;event&lt;/b&gt;\\x00</pre>' in html
    pending_by_default = staff_client.get("/ops/failed-events/")
    assert pending_by_default.context["filters"]["status"] == "PENDING"
    assert poison_pill.id in [e.id for e in pending_by_default.context["events"] if e.service == "payments"]


def test_retry_sends_the_event_back_and_it_is_handled(staff_client, stack, dead_letter):
    assert (dead_letter.status, dead_letter.error_type, dead_letter.attempts) == ("PENDING", "OperationalError", 4)

    page = action(staff_client, dead_letter, "retry", back="/ops/failed-events/?service=payments&status=")

    assert page.redirect_chain == [("/ops/failed-events/?service=payments&status=", 302)]
    assert f"payments failed event #{dead_letter.id} sent back to its topic." in page.content.decode()
    retried = row_of(staff_client, dead_letter)
    assert retried.retry_count == 1
    assert retried.status in ("RETRIED", "RESOLVED"), "RESOLVED as soon as the consumer has handled it"
    resolved = stack.shop.wait(lambda: row_of(staff_client, dead_letter), lambda row: row.status == "RESOLVED")
    assert resolved.status == "RESOLVED"
    html = failed_events(staff_client, service="payments").content.decode()
    assert f'aria-label="Retry payments event {dead_letter.id}"' not in html
    assert f'aria-label="Discard payments event {dead_letter.id}"' not in html


def test_a_poison_pill_cannot_be_retried_and_says_why(staff_client, stack, poison_pill):
    page = action(staff_client, poison_pill, "retry")

    refusal = f"payments #{poison_pill.id}: Failed event {poison_pill.id} cannot be parsed as an event"
    assert refusal in page.content.decode()
    assert row_of(staff_client, poison_pill).status == "PENDING"


def test_discard_marks_the_row_and_removes_its_buttons(staff_client, stack, poison_pill):
    page = action(staff_client, poison_pill, "discard")

    html = page.content.decode()
    assert f"payments failed event #{poison_pill.id} discarded." in html
    assert row_of(staff_client, poison_pill).status == "DISCARDED"
    assert f'aria-label="Retry payments event {poison_pill.id}"' not in html
    again = action(staff_client, poison_pill, "discard")
    assert f"Failed event {poison_pill.id} is already DISCARDED." in again.content.decode()


def test_filters_by_service_status_and_topic(staff_client, stack, poison_pill):
    def ids(**filters):
        return {(e.service, e.id) for e in failed_events(staff_client, **filters).context["events"]}

    mine = ("payments", poison_pill.id)
    assert mine in ids(service="payments")
    assert mine not in ids(service="orders")
    assert mine in ids(status="PENDING")
    assert mine not in ids(status="DISCARDED")
    assert mine in ids(topic=TOPIC)
    assert mine not in ids(topic="payment-completed")
    assert mine in ids(service="payments", status="PENDING", topic=TOPIC)
    only_orders = failed_events(staff_client, service="orders")
    assert {e.service for e in only_orders.context["events"]} <= {"orders"}
    assert 'value="orders" selected' in only_orders.content.decode()
    assert mine in ids(service="no-such-service"), "an unknown service filter means all services"


def test_an_unknown_service_action_or_event_is_a_404(staff_client, stack):
    assert staff_client.post("/ops/failed-events/shipping/1/retry/").status_code == 404
    assert staff_client.post("/ops/failed-events/payments/1/explode/").status_code == 404
    missing = staff_client.post("/ops/failed-events/payments/987654321/retry/")
    assert missing.status_code == 404
    assert "We could not find that page" in missing.content.decode()
    assert staff_client.get("/ops/failed-events/payments/1/retry/").status_code == 405


def test_an_action_goes_back_only_to_an_ops_page(staff_client, stack, poison_pill):
    page = action(staff_client, poison_pill, "discard", back="https://evil.example/ops/")

    assert page.redirect_chain == [("/ops/failed-events/", 302)]


def test_a_backend_down_is_a_note_not_an_error(staff_client, stack, settings, closed_url):
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "orders": closed_url, "inventory": closed_url}

    dashboard = staff_client.get("/ops/")
    failed = failed_events(staff_client)

    assert dashboard.status_code == 200
    assert dashboard.context["notes"] == ["Orders are unavailable right now."]
    assert dashboard.context["payments"] is not None, "payments still answer"
    assert failed.status_code == 200
    assert failed.context["unreachable"] == ["inventory", "orders"]
    assert "Could not read failed events of: inventory, orders." in failed.content.decode()


def test_only_a_pending_event_offers_retry():
    def event(status):
        return FailedEvent.from_json("orders", {"id": 1, "status": status, "created_at": "2026-01-01T00:00:00+00:00"})

    offered = {s: (event(s).retryable, event(s).actionable) for s in ("PENDING", "RETRIED", "DISCARDED", "RESOLVED")}

    assert offered == {
        "PENDING": (True, True),
        "RETRIED": (False, True),  # the services refuse a second retry (409); it can still be discarded
        "DISCARDED": (False, False),
        "RESOLVED": (False, False),
    }
