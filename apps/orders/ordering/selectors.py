from django.db.models import Min, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ordering.models import Order, OrderStatus


def order_queryset() -> QuerySet[Order]:
    return Order.objects.prefetch_related("items", "history")


def order_with_related(order: Order, *, items: list, history: list) -> Order:
    """The order as order_queryset() would load it, from rows the caller already holds (no queries)."""
    for name, rows in (("items", items), ("history", history)):
        loaded = getattr(order, name).all()  # a lazy queryset: filled below, never run
        loaded._result_cache, loaded._prefetch_done = list(rows), True
        order.__dict__.setdefault("_prefetched_objects_cache", {})[name] = loaded
    return order


def order_list_for_user(*, user_id) -> QuerySet[Order]:
    return order_queryset().filter(user_id=user_id)


def order_get_for_user(*, user_id, order_id) -> Order:
    # Another customer's order is a 404: its existence is not disclosed.
    return get_object_or_404(order_queryset(), pk=order_id, user_id=user_id)


def order_list(*, status: str | None = None) -> QuerySet[Order]:
    orders = order_queryset()
    return orders.filter(status=status) if status else orders


# The saga has not finished these yet: payment_completed, payment_failed and cancelled end it.
SAGA_OPEN = (OrderStatus.PENDING, OrderStatus.INVENTORY_RESERVED)


def order_open_oldest_age_seconds(*, now=None) -> float:
    """Seconds since the oldest order still inside the saga was placed; 0 when there is none."""
    oldest = Order.objects.filter(status__in=SAGA_OPEN).aggregate(first=Min("created_at"))["first"]
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds()) if oldest else 0.0
