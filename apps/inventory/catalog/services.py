"""Writes of the catalog and of stock. Every stock change takes row locks in product order."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog import cache, reservation_sql
from catalog.models import Product, Reservation, ReservationLine, ReservationStatus, Stock
from retail_common.domain.codes import ReserveFailure
from retail_common.domain.errors import Conflict, InvalidInput
from retail_common.events.outbox.write import outbox_relay_only_sql, publish

MAX_QUANTITY = 1000


class InvalidReservation(InvalidInput):
    """The request itself is wrong (gRPC INVALID_ARGUMENT, HTTP 400 naming `items`)."""

    def __init__(self, detail: str):
        super().__init__(detail, fields={"items": [detail]})


def _after_commit_invalidate() -> None:
    transaction.on_commit(cache.invalidate)


# -- catalog ---------------------------------------------------------------------------------
@transaction.atomic
def product_create(*, on_hand: int = 0, **fields) -> Product:
    """A product with its stock row (stock starts at on_hand)."""
    product = Product.objects.create(**fields)
    Stock.objects.create(product=product, on_hand=on_hand)
    _after_commit_invalidate()
    return product


@transaction.atomic
def product_update(*, product: Product, on_hand: int | None = None, **fields) -> Product:
    """Change a product and, with on_hand, its stock in one transaction: a 409 on stock keeps neither."""
    changed = [name for name, value in fields.items() if getattr(product, name) != value]
    for name in changed:
        setattr(product, name, fields[name])
    if changed:
        # The model's own rules (lengths, uniqueness, CHECK constraints) for what changes; the rest was valid.
        product.full_clean(exclude=[f.name for f in Product._meta.fields if f.name not in changed])
        # Only what changed: a concurrent edit of another field is not overwritten with a stale value.
        product.save(update_fields=[*changed, "updated_at"])
    if on_hand is not None:
        stock_set(sku=product.sku, on_hand=on_hand)
    _after_commit_invalidate()
    return product


@transaction.atomic
def product_deactivate(*, product: Product) -> None:
    """Hide a product; past reservations keep pointing at it."""
    Product.objects.filter(pk=product.pk).update(is_active=False, updated_at=timezone.now())
    _after_commit_invalidate()


@transaction.atomic
def stock_set(*, sku: str, on_hand: int) -> Stock:
    """Restock or adjust; never below what is reserved (409)."""
    stock = Stock.objects.select_for_update().select_related("product").get(product__sku=sku)
    if on_hand < stock.reserved:
        raise Conflict(f"on_hand {on_hand} is below the {stock.reserved} units reserved for open orders.")
    stock.on_hand = on_hand
    stock.save(update_fields=["on_hand", "updated_at"])
    _after_commit_invalidate()
    return stock


# -- reservations ----------------------------------------------------------------------------
def quantities_merge(items: list[tuple[int, int]]) -> OrderedDict[int, int]:
    """{product_id: quantity} in product order; each line's quantity must be 1..1000."""
    if not items:
        raise InvalidReservation("items must not be empty")
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        if quantity <= 0 or quantity > MAX_QUANTITY:
            raise InvalidReservation(f"quantity of product {product_id} must be between 1 and {MAX_QUANTITY}")
        merged[product_id] = merged.get(product_id, 0) + quantity
        if merged[product_id] > MAX_QUANTITY:
            raise InvalidReservation(f"total quantity of product {product_id} exceeds {MAX_QUANTITY}")
    return OrderedDict(sorted(merged.items()))


def stock_check(*, items: list[tuple[int, int]]) -> list[dict]:
    wanted = quantities_merge(items)
    stocks = {s.product_id: s for s in Stock.objects.filter(product_id__in=wanted, product__is_active=True)}
    return [
        {
            "product_id": pid,
            "available": stocks[pid].available if pid in stocks else 0,
            "in_stock": pid in stocks and stocks[pid].available >= quantity,
        }
        for pid, quantity in wanted.items()
    ]


def _released_answer(wanted: dict[int, int]) -> dict:
    failures = [
        {"product_id": p, "requested": q, "available": 0, "reason": ReserveFailure.ORDER_RELEASED}
        for p, q in wanted.items()
    ]
    return {"success": False, "lines": [], "failures": failures}


def _repeat(answer: dict, wanted: dict[int, int]) -> dict:
    """The stored first answer; an empty one is a release tombstone."""
    return answer or _released_answer(wanted)


def stock_reserve(*, order_id: uuid.UUID, items: list[tuple[int, int]]) -> dict:
    """All-or-nothing reservation for one order, idempotent per order id; prices come from the catalog."""
    wanted = quantities_merge(items)
    try:
        return _reserve(order_id, wanted)
    except IntegrityError:  # a concurrent call for the same order won the insert: answer as it did
        return _repeat(Reservation.objects.get(order_id=order_id).answer, wanted)


@transaction.atomic
def _reserve(order_id: uuid.UUID, wanted: OrderedDict[int, int]) -> dict:
    # Locks in product order: two orders over the same products never deadlock.
    stock, existing = reservation_sql.stock_lock(order_id, list(wanted))
    if existing is None and not stock:
        existing = Reservation.objects.filter(order_id=order_id).values_list("answer", flat=True).first()
    if existing is not None:
        return _repeat(existing, wanted)
    failures = []
    for product_id, quantity in wanted.items():
        row = stock.get(product_id)
        if row is None:
            failures.append(
                {"product_id": product_id, "requested": quantity, "available": 0, "reason": ReserveFailure.NOT_FOUND}
            )
        elif row["available"] < quantity:
            failures.append(
                {
                    "product_id": product_id,
                    "requested": quantity,
                    "available": row["available"],
                    "reason": ReserveFailure.OUT_OF_STOCK,
                }
            )
    if failures:
        return {"success": False, "lines": [], "failures": failures}
    lines = [
        {
            "product_id": pid,
            "sku": stock[pid]["sku"],
            "name": stock[pid]["name"],
            "unit_price": stock[pid]["unit_price"],
            "currency": stock[pid]["currency"],
            "quantity": quantity,
        }
        for pid, quantity in wanted.items()
    ]
    answer = {"success": True, "lines": lines, "failures": []}
    # No saga step waits for inventory-reserved: the relay's batches carry it, which keeps a broker
    # round trip per reservation off this hot path, and its row is written by the same statement
    # as the reservation (docs/benchmarks.md, inventory).
    event = outbox_relay_only_sql(
        event_type="inventory-reserved",
        key=str(order_id),
        payload={"order_id": str(order_id), "items": _event_items(lines)},
    )
    reservation_sql.reservation_record(order_id, answer, lines, event=event)
    _after_commit_invalidate()
    return answer


def _event_items(lines: list[dict]) -> list[dict]:
    keep = ("product_id", "quantity", "sku", "unit_price")
    return [{name: line[name] for name in keep} for line in lines]


def _locked_lines(reservation: Reservation) -> list[tuple[ReservationLine, Stock]]:
    lines = list(reservation.lines.select_related("product").order_by("product_id"))
    locked = Stock.objects.select_for_update().filter(product_id__in=[line.product_id for line in lines])
    stocks = {stock.product_id: stock for stock in locked.order_by("product_id")}
    return [(line, stocks[line.product_id]) for line in lines]


@transaction.atomic
def reservation_confirm(*, order_id: uuid.UUID) -> bool:
    """Payment captured: RESERVED → CONFIRMED and the reserved units leave the shelf (on_hand and reserved
    both drop). Idempotent: False, nothing written, unless the order has a RESERVED reservation.

    Three statements for a one-line order (the saga's hot path, docs/benchmarks.md): the guarded UPDATE
    is the check and the lock at once, the lines come as tuples, and each stock row is locked by its own
    UPDATE in product order, as ReserveStock locks them, so the shared rows are held for the shortest time."""
    now = timezone.now()
    reserved = Reservation.objects.filter(order_id=order_id, status=ReservationStatus.RESERVED)
    if not reserved.update(status=ReservationStatus.CONFIRMED, confirmed_at=now):
        return False
    lines = ReservationLine.objects.filter(reservation__order_id=order_id).order_by("product_id")
    for product_id, quantity in lines.values_list("product_id", "quantity"):
        shipped = {"on_hand": F("on_hand") - quantity, "reserved": F("reserved") - quantity}
        Stock.objects.filter(product_id=product_id).update(**shipped, updated_at=now)
    _after_commit_invalidate()
    return True


@transaction.atomic
def reservation_release(*, order_id: uuid.UUID, reason: str, restock_confirmed: bool = True) -> bool:
    """Give back a reservation (RESERVED → RELEASED) or, if allowed, restock a confirmed one (→ RESTOCKED).

    Unknown order: a RELEASED tombstone is recorded, so a late ReserveStock reserves nothing.
    Returns whether stock changed; repeats are no-ops.
    """
    reason = (reason or "RELEASED")[:200]
    reservation, created = Reservation.objects.select_for_update().get_or_create(
        order_id=order_id,
        defaults={"status": ReservationStatus.RELEASED, "reason": reason, "released_at": timezone.now()},
    )
    if created:
        return False
    if reservation.status == ReservationStatus.RESERVED:
        field, restocked, status = "reserved", False, ReservationStatus.RELEASED
    elif reservation.status == ReservationStatus.CONFIRMED and restock_confirmed:
        field, restocked, status = "on_hand", True, ReservationStatus.RESTOCKED
    else:
        return False
    locked = _locked_lines(reservation)
    for line, stock in locked:
        delta = -line.quantity if field == "reserved" else line.quantity
        Stock.objects.filter(pk=stock.pk).update(**{field: F(field) + delta})
    reservation.status = status
    reservation.reason = reason
    stamp = "restocked_at" if restocked else "released_at"
    setattr(reservation, stamp, timezone.now())
    reservation.save(update_fields=["status", "reason", stamp])
    items = [{"product_id": line.product_id, "quantity": line.quantity, "sku": line.product.sku} for line, _ in locked]
    publish(
        event_type="inventory-released",
        key=str(order_id),
        payload={"order_id": str(order_id), "reason": reason, "items": items, "restocked": restocked},
    )
    _after_commit_invalidate()
    return True
