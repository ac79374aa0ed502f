"""Payments (one per order, by constraint) and the orders cancelled before any payment existed."""

import uuid

from django.db import models
from django.db.models import Q

from retail_common.domain.codes import PaymentStatus


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)  # one payment per order: a redelivered order-created cannot charge twice
    user_id = models.UUIDField(db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    decline_reason = models.CharField(max_length=100, blank=True)
    # Only the brand and the last four digits of a card are ever stored.
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            models.CheckConstraint(condition=Q(card_last4__regex=r"^\d{4}$"), name="payment_card_last4_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount} {self.currency} {self.status}"


class CancelledOrder(models.Model):
    """An order cancelled before payments saw it: a late order-created for it is never charged."""

    order_id = models.UUIDField(primary_key=True)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order_id} cancelled ({self.reason})"
