"""Payments: the payments of one order (the shopper's), recent payments (ADMIN)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backends.http import BackendClient
from retail_common.domain.codes import DeclineReason, PaymentStatus

STATUS_LABELS = {
    PaymentStatus.PENDING: "Pending",
    PaymentStatus.CAPTURED: "Paid",
    PaymentStatus.DECLINED: "Declined",
    PaymentStatus.REFUNDED: "Refunded",
}
DECLINE_REASONS = {
    DeclineReason.CARD_DECLINED: "the card was declined",
    DeclineReason.INSUFFICIENT_FUNDS: "insufficient funds",
}


@dataclass(frozen=True)
class Payment:
    id: str
    order_id: str
    amount: Decimal
    currency: str
    status: str
    decline_reason: str
    created_at: datetime

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def captured(self) -> bool:
        return self.status == PaymentStatus.CAPTURED

    @property
    def decline_text(self) -> str:
        return DECLINE_REASONS.get(self.decline_reason, self.decline_reason.replace("_", " "))

    @classmethod
    def from_json(cls, data: dict) -> Payment:
        return cls(
            id=str(data["id"]),
            order_id=str(data["order_id"]),
            amount=Decimal(str(data["amount"])),
            currency=data.get("currency") or "USD",
            status=data["status"],
            decline_reason=data.get("decline_reason") or "",
            created_at=datetime.fromisoformat(data["created_at"]),
        )


class PaymentsClient(BackendClient):
    def __init__(self, *args, **kwargs):
        super().__init__("payments", *args, **kwargs)

    def for_order(self, access: str, order_id: str) -> list[Payment]:
        data = self.call("GET", "/api/payments", bearer=access, params={"order_id": order_id}).data
        return [Payment.from_json(p) for p in data["results"]]

    def recent(self, access: str, *, limit: int = 20) -> list[Payment]:
        data = self.call("GET", "/api/admin/payments", bearer=access, params={"page_size": limit}).data
        return [Payment.from_json(p) for p in data["results"]]
