from django.db.models import Min, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ordering.models import Order, OrderStatus


def order_queryset() -> QuerySet[Order]:
    """Orders with their lines (`item_rows`) and history (`history_rows`) as lists, what OrderOutput reads."""
    return Order.objects.prefetch_related(
        Prefetch("items", to_attr="item_rows"), Prefetch("history", to_attr="history_rows")
    )


def order_with_related(order: Order, *, items: list, history: list) -> Order:
    """The order as order_queryset() would load it, from rows the caller already holds (no queries)."""
    order.item_rows, order.history_rows = list(items), list(history)
    return order


def order_list_for_user(*, user_id) -> QuerySet[Order]:
    return order_queryset().filter(user_id=user_id)


def order_get_for_user(*, user_id, order_id) -> Order:
    # Another customer's order is a 404: its existence is not disclosed.
    return get_object_or_404(order_queryset(), pk=order_id, user_id=user_id)


def order_list(*, status: str | None = None) -> QuerySet[Order]:
    orders = order_queryset()
    return orders.filter(status=status) if status else orders


def order_list_awaiting_payment(*, since_before, limit: int) -> QuerySet[Order]:
    """Orders still INVENTORY_RESERVED whose last move is older than `since_before`, oldest first."""
    waiting = Order.objects.filter(status=OrderStatus.INVENTORY_RESERVED, updated_at__lt=since_before)
    return waiting.order_by("created_at")[:limit]


# The saga has not finished these yet: payment_completed, payment_failed and cancelled end it.
SAGA_OPEN = (OrderStatus.PENDING, OrderStatus.INVENTORY_RESERVED)


def order_open_oldest_age_seconds(*, now=None) -> float:
    """Seconds since the oldest order still inside the saga was placed; 0 when there is none."""
    oldest = Order.objects.filter(status__in=SAGA_OPEN).aggregate(first=Min("created_at"))["first"]
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds()) if oldest else 0.0
