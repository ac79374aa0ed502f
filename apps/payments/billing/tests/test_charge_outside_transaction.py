"""payment_charge calls the gateway outside any transaction and records inside one; never twice: a
redelivered event calls nothing, a crash between the charge and its record is answered by the
gateway's idempotency key, and an order cancelled while the gateway charged is refunded."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection

from billing import gateway, services
from billing.events import on_order_cancelled, on_order_created
from billing.models import Payment, PaymentStatus
from retail_common.models import OutboxEvent
from retail_dev.factories import order_cancelled_event, order_created_event


def topics() -> list[str]:
    return list(OutboxEvent.objects.order_by("id").values_list("topic", flat=True))


@pytest.mark.django_db
def test_the_same_idempotency_key_answers_the_first_result(settings):
    key = str(uuid.uuid4())
    first = gateway.gateway_charge(idempotency_key=key, last4="4242", amount=Decimal("5"), currency="USD")
    settings.PAYMENT_FAILURE_RATE = 1.0  # a fresh decision would now decline
    again = gateway.gateway_charge(idempotency_key=key, last4="4242", amount=Decimal("5"), currency="USD")
    other = gateway.gateway_charge(idempotency_key=str(uuid.uuid4()), last4="4242", amount=Decimal("5"), currency="USD")
    assert (first, again) == (gateway.GatewayResult(captured=True), gateway.GatewayResult(captured=True))
    assert other == gateway.GatewayResult(captured=False, decline_reason="gateway_declined")


@pytest.mark.django_db(transaction=True)
def test_the_gateway_is_called_with_no_transaction_open_and_a_redelivery_calls_nothing(monkeypatch):
    calls: list[bool] = []
    charge = gateway.gateway_charge

    def watched(**kwargs):
        calls.append(connection.in_atomic_block)
        return charge(**kwargs)

    monkeypatch.setattr(services, "gateway_charge", watched)
    created = order_created_event(total="19.98")
    on_order_created(created)
    on_order_created(order_created_event(uuid.UUID(created.payload["order_id"]), total="19.98"))  # redelivered
    assert calls == [False], "called once, outside any transaction"
    payment = Payment.objects.get()
    assert (payment.status, payment.amount) == (PaymentStatus.CAPTURED, Decimal("19.98"))
    assert topics() == ["payment-completed"]


@pytest.mark.django_db
def test_a_crash_between_the_charge_and_its_record_never_charges_twice(settings):
    created = order_created_event()
    order_id = created.payload["order_id"]
    # The first delivery charged (the gateway decided: captured), then the process died before the record.
    gateway.gateway_charge(idempotency_key=order_id, last4="4242", amount=Decimal("10.00"), currency="USD")
    assert not Payment.objects.exists()
    settings.PAYMENT_FAILURE_RATE = 1.0  # a second real charge would be declined: the answer must be the first
    on_order_created(created)  # the redelivery
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_reason) == (PaymentStatus.CAPTURED, "")
    assert topics() == ["payment-completed"]


@pytest.mark.django_db
def test_an_order_cancelled_while_the_gateway_charged_is_refunded(monkeypatch):
    created = order_created_event()
    order_id = uuid.UUID(created.payload["order_id"])
    charge = gateway.gateway_charge

    def cancelled_meanwhile(**kwargs):
        result = charge(**kwargs)
        on_order_cancelled(order_cancelled_event(order_id))  # the customer cancels while the provider answers
        return result

    monkeypatch.setattr(services, "gateway_charge", cancelled_meanwhile)
    on_order_created(created)
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_at is not None
    assert topics() == ["payment-completed", "payment-refunded"]


def test_the_order_created_handler_runs_outside_the_inbox_transaction():
    assert on_order_created.in_transaction is False


@pytest.mark.django_db
def test_the_payment_insert_writes_every_column_and_learns_of_a_cancellation_in_the_same_statement():
    from django.test.utils import CaptureQueriesContext

    from retail_dev.sql_columns import assert_writes_model_columns

    created = order_created_event(total="7.50")
    with CaptureQueriesContext(connection) as captured:
        on_order_created(created)
    assert_writes_model_columns(captured, Payment, inserts=1, updates=0)
    assert not [q for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT") and "EXISTS" in q["sql"]]
    payment = Payment.objects.get()
    assert (payment.status, payment.amount, payment.card_last4) == (PaymentStatus.CAPTURED, Decimal("7.50"), "4242")
    assert payment.created_at is not None and payment.updated_at is not None
