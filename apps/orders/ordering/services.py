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


def order_move(
    order_id: uuid.UUID, status: str, *, changes: dict | None = None, lines: list[OrderItem] | None = None
) -> OrderStatusChange | None:
    """The order state machine: move the order to `status` only if TRANSITIONS allows it from the status
    it has, with `changes` to its other fields and `lines` priced (sku, name, unit_price), and log the
    move in its history; None (nothing written) for a late or duplicate step. Counts
    retail_orders_total{status} once, after commit.

    Two statements (and an UPDATE per priced line), the saga's hottest writes: the guarded UPDATE is the
    check and the lock at once (a concurrent move waits for it, then finds the status changed, so only
    one wins), and the order row stays locked for the rest of the caller's transaction."""
    at = timezone.now()  # the order's updated_at is its history entry's time
    with transaction.atomic(savepoint=False):
        guarded = Order.objects.filter(pk=order_id, status__in=order_sources(status))
        if not guarded.update(**(changes or {}), status=status, updated_at=at):
            return None
        logged = OrderStatusChange.objects.create(order_id=order_id, status=status, at=at)
        for line in lines or ():  # an UPDATE per line: bulk_update's CASE per field costs more for a few lines
            OrderItem.objects.filter(pk=line.pk).update(sku=line.sku, name=line.name, unit_price=line.unit_price)
    transaction.on_commit(lambda: ORDERS.labels(status=status).inc())
    return logged


def order_transition(
    *, order: Order, status: str, changes: dict | None = None, lines: list[OrderItem] | None = None
) -> OrderStatusChange | None:
    """order_move for an order the caller holds: on success its fields in memory are the stored ones too
    (no re-read), and the new history entry is returned."""
    logged = order_move(order.pk, status, changes=changes, lines=lines)
    if logged is not None:
        for name, value in {**(changes or {}), "status": status, "updated_at": logged.at}.items():
            setattr(order, name, value)
    return logged


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
        reserved = order_transition(
            order=order,
            status=OrderStatus.INVENTORY_RESERVED,
            changes={"total": total, "currency": currency},
            lines=rows,
        )
        if reserved is None:
            return selectors.order_queryset().get(pk=order.pk)
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
    cancelled = order_transition(order=order, status=OrderStatus.CANCELLED, changes=changes)
    if cancelled is None:  # cancelled meanwhile
        return selectors.order_queryset().get(pk=order.pk)
    return selectors.order_with_related(order, items=rows, history=[*history, cancelled])


def _cancel_unreserved(order: Order, reason: str) -> None:
    """Cancel an order whose reservation failed or is unknown; order-cancelled lets inventory release it."""
    with transaction.atomic():
        if order_transition(order=order, status=OrderStatus.CANCELLED, changes={"cancel_reason": reason}) is not None:
            _announce_cancel(order, OrderStatus.PENDING)


@transaction.atomic
def order_cancel(*, order: Order, reason: str = CancelReason.CUSTOMER_REQUEST) -> Order:
    """Cancel while PENDING, INVENTORY_RESERVED or PAYMENT_COMPLETED (409 otherwise); payments refunds,
    inventory releases or restocks, both on order-cancelled."""
    # Locked first: the event names the status the order left, and a refusal the status it has.
    previous = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
    if order_transition(order=order, status=OrderStatus.CANCELLED, changes={"cancel_reason": reason}) is None:
        raise Conflict(f"An order in {previous} cannot be cancelled.")
    _announce_cancel(order, previous)
    return order


def order_advance(*, order_id: uuid.UUID, status: str, captured: Decimal | None = None) -> bool:
    """Apply a saga step from an event (payment completed / failed); a late or duplicate one is ignored.
    `captured`, the amount payment-completed reports, is counted in retail_revenue_total after commit."""
    if order_move(order_id, status) is None:
        return False
    if captured is not None:
        transaction.on_commit(lambda: REVENUE.inc(float(captured)))
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
    if order_transition(order=order, status=status) is None:
        raise Conflict(f"An order in {current} cannot become {status}.")
    return order
