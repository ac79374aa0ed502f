"""The codes the services put on the wire, in one place: statuses, cancel and failure reasons, error codes.

Services write them, views decide on them, the storefront's client keys its labels by them and the
templates compare with them, so a code is spelled once. `TextChoices` where a model field stores the
code (the field's `choices`), `StrEnum` otherwise; members compare and serialize as their values.
"""

from __future__ import annotations

import enum

from django.db import models


class OrderStatus(models.TextChoices):
    """An order's place in the saga (docs/architecture.md §5)."""

    PENDING = "PENDING"
    INVENTORY_RESERVED = "INVENTORY_RESERVED"
    PAYMENT_COMPLETED = "PAYMENT_COMPLETED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class PaymentStatus(models.TextChoices):
    PENDING = "PENDING"
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"


# An entry of an order's history: every order status, and the refund of its payment (the order itself
# stays CANCELLED; payment-refunded adds this entry to its timeline).
OrderHistoryStatus = models.TextChoices(
    "OrderHistoryStatus",
    [(member.name, member.value) for member in OrderStatus] + [("REFUNDED", PaymentStatus.REFUNDED.value)],
)


class CancelReason(models.TextChoices):
    """Why an order was cancelled (Order.cancel_reason, order-cancelled's `reason`)."""

    OUT_OF_STOCK = "OUT_OF_STOCK"
    INVENTORY_UNAVAILABLE = "INVENTORY_UNAVAILABLE"
    INVENTORY_TIMEOUT = "INVENTORY_TIMEOUT"
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    PAYMENT_TIMEOUT = "PAYMENT_TIMEOUT"


class ReserveFailure(enum.StrEnum):
    """Why ReserveStock refused a line (its answer's failures, an order's `unavailable`)."""

    OUT_OF_STOCK = "OUT_OF_STOCK"
    NOT_FOUND = "NOT_FOUND"
    ORDER_RELEASED = "ORDER_RELEASED"


class DeclineReason(enum.StrEnum):
    """Why the payment gateway declined a card (Payment.decline_reason)."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    GATEWAY_DECLINED = "gateway_declined"


class ErrorCode(enum.StrEnum):
    """The `code` of an API error body `{"detail", "code"}` (retail_common.http.error_responses, domain_errors)."""

    ERROR = "error"
    INVALID = "invalid"
    BAD_REQUEST = "bad_request"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNPROCESSABLE = "unprocessable"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"
    TOO_DEEP = "too_deep"
    TOKEN_EXPIRED = "token_expired"
    USER_INACTIVE = "user_inactive"
    EMAIL_TAKEN = "email_taken"
    INVALID_CREDENTIALS = "invalid_credentials"
    REFRESH_INVALID = "refresh_invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
