"""Orders, their lines and their status history. Transitions are guarded in services, states by constraint."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from retail_common.domain.codes import CancelReason, OrderHistoryStatus, OrderStatus

# The saga of docs/architecture.md §5, the one definition of the order state machine (services.order_transition
# guards every move with it): a late or duplicate event never moves an order backwards.
TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.INVENTORY_RESERVED, OrderStatus.CANCELLED},
    OrderStatus.INVENTORY_RESERVED: {OrderStatus.PAYMENT_COMPLETED, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED},
    OrderStatus.PAYMENT_COMPLETED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
}


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.UUIDField(db_index=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    cancel_reason = models.CharField(max_length=40, choices=CancelReason.choices, blank=True)
    unavailable = models.JSONField(default=list, blank=True)  # the lines inventory could not reserve
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    shipping_address = models.JSONField()
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    idempotency_key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "idempotency_key"], name="order_idempotency_key_per_user"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(card_last4__regex=r"^\d{4}$"), name="order_card_last4_digits"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="order_status_updated_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.status}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    # Filled from inventory's ReserveStock answer, never from the client.
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "product_id"], name="order_item_once_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=1000), name="order_item_quantity_range"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"

    @property
    def line_total(self):
        return (self.unit_price or 0) * self.quantity


class OrderStatusChange(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=20, choices=OrderHistoryStatus.choices)
    # Set by the writer (default: now), so a move gives its history entry and the order's updated_at one time.
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status}"
