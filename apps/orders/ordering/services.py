"""The order side of the saga: create (reserve over gRPC, then announce), cancel, and guarded transitions."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from prometheus_client import Counter

from ordering import grpc_client, selectors
from ordering.models import TRANSITIONS, Order, OrderItem, OrderStatus, OrderStatusChange
from retail_common.domain.codes import CancelReason, ErrorCode, OrderHistoryStatus
from retail_common.domain.errors import Conflict, Unavailable, Unprocessable
from retail_common.events.outbox.write import publish

ORDERS = Counter("retail_orders_total", "Orders reaching a status.", ["status"])
REVENUE = Counter("retail_revenue_total", "Captured order totals (all currencies summed as numbers).")


class IdempotencyMismatch(Unprocessable, code=ErrorCode.IDEMPOTENCY_KEY_REUSED):
    """The Idempotency-Key was used before with a different request (HTTP 422)."""


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


def order_sources(status: str) -> list[str]:
    """The statuses TRANSITIONS lets an order leave for `status`."""
    return sorted(str(source) for source, targets in TRANSITIONS.items() if status in targets)


def order_transition(
    *, order_id: uuid.UUID, status: str, changes: dict | None = None, lines: list[OrderItem] | None = None
) -> tuple[Order, OrderStatusChange] | None:
    """The order state machine: move the order to `status` only if TRANSITIONS allows it from the status
    it has, with `changes` to its other fields and `lines` priced (sku, name, unit_price), and log the
    move in its history; None (nothing written) for a late or duplicate step. The order row stays
    locked for the rest of the caller's transaction. Counts retail_orders_total{status} once, after commit."""
    changes = changes or {}
    with transaction.atomic(savepoint=False):
        # FOR UPDATE re-checks the guard on the row a concurrent move committed: only one move wins.
        order = Order.objects.select_for_update().filter(pk=order_id, status__in=order_sources(status)).first()
        if order is None:
            return None
        logged = OrderStatusChange.objects.create(order=order, status=status)
        # update(), not save(): the order's updated_at is its history entry's time, which auto_now would not keep.
        Order.objects.filter(pk=order_id).update(**changes, status=status, updated_at=logged.at)
        for name, value in {**changes, "status": status, "updated_at": logged.at}.items():
            setattr(order, name, value)
        if lines:
            OrderItem.objects.bulk_update(lines, ["sku", "name", "unit_price"])
    transaction.on_commit(lambda: ORDERS.labels(status=status).inc())
    return order, logged


def order_insert(
    order: Order, items: list[OrderItem], history: OrderStatusChange
) -> tuple[Order, list[OrderItem], OrderStatusChange]:
    """Insert the order, its lines and its first history entry in one transaction (a savepoint inside a
    caller's, so a replayed idempotency key's refused insert does not abort it). Raises IntegrityError
    for a replayed key; nothing is written then."""
    with transaction.atomic():
        order.save(force_insert=True)
        items = OrderItem.objects.bulk_create(items)
        history.save(force_insert=True)
    return order, items, history


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
    history = OrderStatusChange(order=order, status=OrderStatus.PENDING)
    try:
        # A replay is the rare case: the unique key refuses the insert, then the first order is read.
        order, rows, logged = order_insert(order, rows, history)
    except IntegrityError:
        existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if existing.request_hash != fingerprint:
            raise IdempotencyMismatch("This Idempotency-Key was already used for a different order.") from None
        return existing, False
    return _reserve(order, rows, [logged]), True


def _reserve(order: Order, rows: list[OrderItem], history: list[OrderStatusChange]) -> Order:
    """Reserve the saved PENDING order; returns it with its lines and history loaded (no re-read needed)."""
    try:
        answer = grpc_client.stock_reserve(order_id=order.id, items=[(r.product_id, r.quantity) for r in rows])
    except grpc_client.InventoryUnavailable as exc:
        _cancel_unreserved(order, CancelReason.INVENTORY_UNAVAILABLE)
        raise Unavailable("Inventory is unavailable; the order was not placed. Please try again.") from exc
    except grpc_client.InventoryOutcomeUnknown as exc:
        # It may have been reserved after all: release it now, and through the event if inventory is away.
        _cancel_unreserved(order, CancelReason.INVENTORY_TIMEOUT)
        grpc_client.stock_release(order_id=order.id, reason=CancelReason.INVENTORY_TIMEOUT)
        raise Unavailable("Inventory did not answer in time; the order was not placed.") from exc
    if not answer.success:
        return _refuse(order, rows, history, answer.failures)  # CANCELLED, OUT_OF_STOCK; no event: nothing was reserved
    lines = {line.product_id: line for line in answer.lines}
    for row in rows:
        line = lines[row.product_id]
        row.sku, row.name, row.unit_price = line.sku, line.name, Decimal(line.unit_price)
    total = sum((row.line_total for row in rows), Decimal("0"))
    currency = answer.lines[0].currency
    with transaction.atomic():
        # Only a PENDING order moves: a cancel that came first wins (inventory releases on its
        # order-cancelled event), and no order-created follows it.
        moved = order_transition(
            order_id=order.pk,
            status=OrderStatus.INVENTORY_RESERVED,
            changes={"total": total, "currency": currency},
            lines=rows,
        )
        if moved is None:
            return selectors.order_queryset().get(pk=order.pk)
        order, reserved = moved
        history.append(reserved)
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


def _refuse(order: Order, rows: list[OrderItem], history: list[OrderStatusChange], failures) -> Order:
    unavailable = [
        {"product_id": f.product_id, "requested": f.requested, "available": f.available, "reason": f.reason}
        for f in failures
    ]
    changes = {"cancel_reason": CancelReason.OUT_OF_STOCK, "unavailable": unavailable}
    moved = order_transition(order_id=order.pk, status=OrderStatus.CANCELLED, changes=changes)
    if moved is None:  # cancelled meanwhile
        return selectors.order_queryset().get(pk=order.pk)
    order, cancelled = moved
    return selectors.order_with_related(order, items=rows, history=[*history, cancelled])


def _cancel_unreserved(order: Order, reason: str) -> None:
    """Cancel an order whose reservation failed or is unknown; order-cancelled lets inventory release it."""
    with transaction.atomic():
        moved = order_transition(order_id=order.pk, status=OrderStatus.CANCELLED, changes={"cancel_reason": reason})
        if moved is not None:
            _announce_cancel(moved[0], OrderStatus.PENDING)


@transaction.atomic
def order_cancel(*, order: Order, reason: str = CancelReason.CUSTOMER_REQUEST) -> Order:
    """Cancel while PENDING, INVENTORY_RESERVED or PAYMENT_COMPLETED (409 otherwise); payments refunds,
    inventory releases or restocks, both on order-cancelled."""
    # Locked first: the event names the status the order left, and a refusal the status it has.
    previous = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
    moved = order_transition(order_id=order.pk, status=OrderStatus.CANCELLED, changes={"cancel_reason": reason})
    if moved is None:
        raise Conflict(f"An order in {previous} cannot be cancelled.")
    _announce_cancel(moved[0], previous)
    return moved[0]


def order_advance(*, order_id: uuid.UUID, status: str) -> bool:
    """Apply a saga step from an event (payment completed / failed); a late or duplicate one is ignored."""
    moved = order_transition(order_id=order_id, status=status)
    if moved is None:
        return False
    if status == OrderStatus.PAYMENT_COMPLETED:
        total = moved[0].total
        transaction.on_commit(lambda: REVENUE.inc(float(total)))
    return True


def order_sweep_unpaid(*, limit: int = 500) -> int:
    """Cancel (PAYMENT_TIMEOUT, through order_cancel: order-cancelled follows) the oldest orders waiting in
    INVENTORY_RESERVED longer than ORDER_PAYMENT_TIMEOUT_SECONDS, at most `limit`; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS)
    cancelled = 0
    for order in selectors.order_list_awaiting_payment(since_before=cutoff, limit=limit):
        try:
            order_cancel(order=order, reason=CancelReason.PAYMENT_TIMEOUT)
            cancelled += 1
        except Conflict:  # paid or cancelled meanwhile
            pass
    return cancelled


@transaction.atomic
def order_refund_record(*, order_id: uuid.UUID) -> bool:
    """payment-refunded: the timeline shows it (the order itself stays CANCELLED)."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.history.filter(status=OrderHistoryStatus.REFUNDED).exists():
        return False
    OrderStatusChange.objects.create(order=order, status=OrderHistoryStatus.REFUNDED)
    return True


@transaction.atomic
def order_fulfil(*, order: Order, status: str) -> Order:
    """ADMIN: ship a paid order, deliver a shipped one (409 otherwise)."""
    current = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
    moved = order_transition(order_id=order.pk, status=status)
    if moved is None:
        raise Conflict(f"An order in {current} cannot become {status}.")
    return moved[0]
