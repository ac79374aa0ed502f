"""The order side of the saga: create (reserve over gRPC, then announce), cancel, and guarded transitions."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import Counter

from ordering import grpc_client, order_sql, selectors
from ordering.models import CANCELLABLE, TRANSITIONS, Order, OrderItem, OrderStatus, OrderStatusChange
from retail_common.domain_errors import Conflict, Unavailable, Unprocessable
from retail_common.events.outbox import publish

ORDERS = Counter("retail_orders_total", "Orders reaching a status.", ["status"])
REVENUE = Counter("retail_revenue_total", "Captured order totals (all currencies summed as numbers).")


class IdempotencyMismatch(Unprocessable):
    """The Idempotency-Key was used before with a different request (HTTP 422)."""

    default_code = "idempotency_key_reused"


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


def request_fingerprint(items: list[dict], shipping_address: dict, card_number: str) -> str:
    canonical = json.dumps(
        {
            "items": sorted((i["product_id"], i["quantity"]) for i in items),
            "address": shipping_address,
            "card": card_number,
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _transition(order: Order, status: str, *, reason: str = "", changed: tuple[str, ...] = ()) -> bool:
    """Move the (locked) order if the saga allows it, saving `changed` fields in the same UPDATE;
    False for a late or duplicate step."""
    if status not in TRANSITIONS.get(order.status, set()):
        return False
    order.status = status
    if reason:
        order.cancel_reason = reason
    order.save(update_fields=["status", "cancel_reason", "updated_at", *changed])
    OrderStatusChange.objects.create(order=order, status=status)
    transaction.on_commit(lambda: ORDERS.labels(status=status).inc())
    return True


def _announce_cancel(order: Order, previous: str) -> None:
    items = [{"product_id": i.product_id, "quantity": i.quantity} for i in order.items.all()]
    payload = {"order_id": str(order.id), "user_id": str(order.user_id), "reason": order.cancel_reason}
    publish(
        event_type="order-cancelled",
        key=str(order.id),
        payload={**payload, "items": items, "previous_status": previous},
    )


def order_create(
    *, user_id: uuid.UUID, items: list[dict], shipping_address: dict, card_number: str, idempotency_key: str
) -> tuple[Order, bool]:
    """Place an order: save it PENDING, reserve over gRPC, then INVENTORY_RESERVED + order-created in one
    transaction, or CANCELLED (OUT_OF_STOCK) with no event. Returns (order, created); the same key and
    body return the first order."""
    fingerprint = request_fingerprint(items, shipping_address, card_number)
    merged: dict[int, int] = {}
    for item in items:
        merged[item["product_id"]] = merged.get(item["product_id"], 0) + item["quantity"]
    order = Order(
        user_id=user_id,
        shipping_address=shipping_address,
        card_brand=card_brand(card_number),
        card_last4=card_number[-4:],
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
    )
    rows = [OrderItem(order=order, product_id=p, quantity=q) for p, q in merged.items()]
    history = [OrderStatusChange(order=order, status=OrderStatus.PENDING)]
    try:
        # One statement, atomic by itself. Inside a caller's transaction a savepoint keeps the refused
        # insert of a replayed key from aborting it. A replay is the rare case: the unique key refuses
        # the insert, then the first order is read.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            order_sql.order_place(order, rows, history[0])
    except IntegrityError:
        existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if existing.request_hash != fingerprint:
            raise IdempotencyMismatch("This Idempotency-Key was already used for a different order.") from None
        return existing, False
    return _reserve(order, rows, history), True


def _reserve(order: Order, rows: list[OrderItem], history: list[OrderStatusChange]) -> Order:
    """Reserve the saved PENDING order; returns it with its lines and history loaded (no re-read needed)."""
    try:
        answer = grpc_client.stock_reserve(order_id=order.id, items=[(r.product_id, r.quantity) for r in rows])
    except grpc_client.InventoryUnavailable as exc:
        _cancel_unreserved(order, "INVENTORY_UNAVAILABLE")
        raise Unavailable("Inventory is unavailable; the order was not placed. Please try again.") from exc
    except grpc_client.InventoryOutcomeUnknown as exc:
        # It may have been reserved after all: release it now, and through the event if inventory is away.
        _cancel_unreserved(order, "INVENTORY_TIMEOUT")
        grpc_client.stock_release(order_id=order.id, reason="INVENTORY_TIMEOUT")
        raise Unavailable("Inventory did not answer in time; the order was not placed.") from exc
    if not answer.success:
        return _refuse(order, answer.failures)  # CANCELLED, OUT_OF_STOCK; no event: nothing was reserved
    lines = {line.product_id: line for line in answer.lines}
    for row in rows:
        line = lines[row.product_id]
        row.sku, row.name, row.unit_price = line.sku, line.name, Decimal(line.unit_price)
    order.total = sum((row.line_total for row in rows), Decimal("0"))
    order.currency = answer.lines[0].currency
    order.status = OrderStatus.INVENTORY_RESERVED
    order.updated_at = timezone.now()
    with transaction.atomic():
        # Only a PENDING order moves: a cancel that came first wins (inventory releases on its
        # order-cancelled event), and no order-created follows it.
        logged = order_sql.order_reserved_record(order, rows, at=order.updated_at)
        if logged is None:
            return selectors.order_queryset().get(pk=order.pk)
        reserved = OrderStatusChange(id=logged, order=order, status=order.status, at=order.updated_at)
        history.append(order_sql.saved(reserved))
        transaction.on_commit(lambda: ORDERS.labels(status=OrderStatus.INVENTORY_RESERVED).inc())
        publish(
            event_type="order-created",
            key=str(order.id),
            payload={
                "order_id": str(order.id),
                "user_id": str(order.user_id),
                "items": [
                    {"product_id": r.product_id, "quantity": r.quantity, "sku": r.sku, "unit_price": str(r.unit_price)}
                    for r in rows
                ],
                "total": str(order.total),
                "currency": order.currency,
                "payment_method": {"brand": order.card_brand, "last4": order.card_last4},
            },
        )
    return selectors.order_with_related(order, items=rows, history=history)


@transaction.atomic
def _refuse(order: Order, failures) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    order.unavailable = [
        {"product_id": f.product_id, "requested": f.requested, "available": f.available, "reason": f.reason}
        for f in failures
    ]
    _transition(order, OrderStatus.CANCELLED, reason="OUT_OF_STOCK", changed=("unavailable",))
    return order


def _cancel_unreserved(order: Order, reason: str) -> None:
    """Cancel an order whose reservation failed or is unknown; order-cancelled lets inventory release it."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if _transition(order, OrderStatus.CANCELLED, reason=reason):
            _announce_cancel(order, OrderStatus.PENDING)


@transaction.atomic
def order_cancel(*, order: Order, reason: str = "CUSTOMER_REQUEST") -> Order:
    """Cancel while PENDING, INVENTORY_RESERVED or PAYMENT_COMPLETED (409 otherwise); payments refunds,
    inventory releases or restocks, both on order-cancelled."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    previous = order.status
    if previous not in CANCELLABLE:
        raise Conflict(f"An order in {previous} cannot be cancelled.")
    _transition(order, OrderStatus.CANCELLED, reason=reason)
    _announce_cancel(order, previous)
    return order


def order_advance(*, order_id: uuid.UUID, status: str) -> bool:
    """Apply a saga step from an event (payment completed / failed); a late or duplicate one is ignored."""
    sources = [str(source) for source, targets in TRANSITIONS.items() if status in targets]
    total = order_sql.order_move(order_id, str(status), sources=sources, at=timezone.now())
    if total is None:
        return False
    transaction.on_commit(lambda: ORDERS.labels(status=status).inc())
    if status == OrderStatus.PAYMENT_COMPLETED:
        transaction.on_commit(lambda: REVENUE.inc(float(total)))
    return True


@transaction.atomic
def order_refund_record(*, order_id: uuid.UUID) -> bool:
    """payment-refunded: the timeline shows it (the order itself stays CANCELLED)."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.history.filter(status="REFUNDED").exists():
        return False
    OrderStatusChange.objects.create(order=order, status="REFUNDED")
    return True


@transaction.atomic
def order_fulfil(*, order: Order, status: str) -> Order:
    """ADMIN: ship a paid order, deliver a shipped one (409 otherwise)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not _transition(order, status):
        raise Conflict(f"An order in {order.status} cannot become {status}.")
    return order
