"""Property tests of the ops console's filters: any value, never a 500, and never a filter that a
backend refuses shown as "could not read" (which is what a NUL topic did: issue 12)."""

import re

import pytest
from hypothesis import event, example, given
from shop.tests.fuzz_inputs import assert_no_server_error, bounded, field, last_sent, sent
from shop.tests.fuzz_inputs import form_body as query_string

from ops_console.failed_events import STATUSES

pytestmark = pytest.mark.django_db

SERVICES = ("users", "inventory", "orders", "payments")
ORDER_STATUSES = ("PENDING", "INVENTORY_RESERVED", "PAYMENT_COMPLETED", "PAYMENT_FAILED", "SHIPPED", "DELIVERED")
TOPIC = re.compile(r"[A-Za-z0-9._-]{0,249}")


@given(
    service=sent(field(*SERVICES, "shipping")),
    status=sent(field(*STATUSES, "pending")),
    topic=sent(field("order-created", " payment-failed ", "order-created.payments.dlt", "a" * 250, "a b")),
)
@example(service=["payments"], status=[], topic=[" order-created "])  # found: RegexField kept the spaces
@bounded(50)
def test_failed_event_filters(staff_client, service, status, topic):
    """A topic name as Kafka spells one is asked of every service (none of them refuses it); anything
    else is the form again, the topic field saying what is wrong, and no service is asked."""
    params = {"service": service, "status": status, "topic": topic}

    response = staff_client.get("/ops/failed-events/", QUERY_STRING=query_string(params).decode())

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    wanted_topic = (last_sent(topic) or "").strip()
    readable = not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v) for vs in params.values() for v in vs)
    if not readable:
        assert response.status_code == 400
        assert "contains a control character" in response.content.decode()
    elif not TOPIC.fullmatch(wanted_topic):
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="f-topic_error"' in html and 'aria-invalid="true"' in html
        assert response.context["events"] == []
    else:
        assert response.status_code == 200
        assert response.context["unreachable"] == [], "a backend refused a filter the page let through"
        filters = response.context["filters"]
        assert filters["topic"] == wanted_topic
        sent_service = last_sent(service)
        assert filters["service"] == (sent_service if sent_service in SERVICES else "")
        sent_status = "PENDING" if not status else last_sent(status)
        assert filters["status"] == (sent_status if sent_status in STATUSES else "")


@given(status=sent(field(*ORDER_STATUSES)), page=sent(field("1", "2")))
@bounded(25)
def test_dashboard_filter(staff_client, status, page):
    """An order status the console does not know shows every order, as no filter does."""
    params = {"status": status, "page": page}

    response = staff_client.get("/ops/", QUERY_STRING=query_string(params).decode())

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    readable = not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v) for vs in params.values() for v in vs)
    if not readable:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    wanted = last_sent(status) or ""
    assert response.context["wanted"] == (wanted if wanted in ORDER_STATUSES else "")
    assert response.context["notes"] == []
