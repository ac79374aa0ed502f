"""Orders: place, list, read and cancel the shopper's orders; the admin order list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from backends.http import BackendClient, BackendRejected
from backends.paging import Paged
from retail_common.domain.codes import CancelReason, OrderStatus

# docs/architecture.md §5; what a shopper reads for each state.
STATUS_LABELS = {
    OrderStatus.PENDING: "Order received",
    OrderStatus.INVENTORY_RESERVED: "Items reserved",
    OrderStatus.PAYMENT_COMPLETED: "Payment completed",
    OrderStatus.PAYMENT_FAILED: "Payment failed",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
}
# While an order is in one of these the saga is still moving it: its page keeps refreshing.
IN_PROGRESS = frozenset({OrderStatus.PENDING, OrderStatus.INVENTORY_RESERVED})
CANCELLABLE = frozenset({OrderStatus.PENDING, OrderStatus.INVENTORY_RESERVED, OrderStatus.PAYMENT_COMPLETED})
CANCEL_REASONS = {
    CancelReason.OUT_OF_STOCK: "some items were out of stock",
    CancelReason.INVENTORY_UNAVAILABLE: "the shop could not reserve your items",
    CancelReason.INVENTORY_TIMEOUT: "the shop could not reserve your items in time",
    CancelReason.CUSTOMER_REQUEST: "you cancelled it",
    CancelReason.PAYMENT_TIMEOUT: "payment did not complete in time",
}


def _money(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class StatusStep:
    status: str
    at: datetime

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Order:
    id: str
    status: str
    cancel_reason: str
    items: list[OrderLine]
    total: Decimal
    currency: str
    shipping_address: dict
    card_brand: str
    card_last4: str
    created_at: datetime
    history: list[StatusStep]
    unavailable: list[dict]

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def cancelled(self) -> bool:
        return self.status == OrderStatus.CANCELLED

    @property
    def paid(self) -> bool:
        """Paid and not yet shipped: cancelling it now refunds the payment."""
        return self.status == OrderStatus.PAYMENT_COMPLETED

    @property
    def cancel_reason_text(self) -> str:
        return CANCEL_REASONS.get(self.cancel_reason, self.cancel_reason.replace("_", " ").lower())

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.items)

    @classmethod
    def from_json(cls, data: dict) -> Order:
        payment = data.get("payment") or {}
        return cls(
            id=str(data["id"]),
            status=data["status"],
            cancel_reason=data.get("cancel_reason") or "",
            items=[
                OrderLine(
                    int(i["product_id"]),
                    i.get("sku", ""),
                    i.get("name", ""),
                    _money(i.get("unit_price")),  # null on a refused order: inventory never priced it
                    int(i["quantity"]),
                    _money(i.get("line_total")),
                )
                for i in data.get("items", [])
            ],
            total=Decimal(str(data.get("total") or "0")),
            currency=data.get("currency") or "USD",
            shipping_address=data.get("shipping_address") or {},
            card_brand=payment.get("brand", ""),
            card_last4=payment.get("last4", ""),
            created_at=datetime.fromisoformat(data["created_at"]),
            history=[StatusStep(s["status"], datetime.fromisoformat(s["at"])) for s in data.get("status_history", [])],
            unavailable=list(data.get("unavailable") or []),
        )


@dataclass(frozen=True)
class OrderPage(Paged):
    orders: list[Order] = field(default_factory=list)


class OutOfStock(Exception):
    """409: the order was cancelled because these lines could not be reserved."""

    def __init__(self, order: Order):
        super().__init__("out of stock")
        self.order = order


class OrdersClient(BackendClient):
    PAGE_SIZE = 10

    def __init__(self, *args, **kwargs):
        super().__init__("orders", *args, **kwargs)

    def place(
        self, access: str, *, items: list[tuple[int, int]], address: dict, card_number: str, idempotency_key: str
    ) -> Order:
        body = {
            "items": [{"product_id": p, "quantity": q} for p, q in items],
            "shipping_address": address,
            "payment_method": {"card_number": card_number},
        }
        headers = {"Idempotency-Key": idempotency_key}
        try:
            data = self.call("POST", "/api/orders", bearer=access, json=body, headers=headers).data
        except BackendRejected as exc:
            if exc.status == 409 and exc.data.get("status") == OrderStatus.CANCELLED:
                raise OutOfStock(Order.from_json(exc.data)) from exc
            raise
        return Order.from_json(data)

    def _page(self, path: str, access: str, page: int, **params) -> OrderPage:
        query = {"page": page, "page_size": self.PAGE_SIZE, **{k: v for k, v in params.items() if v}}
        data = self.call("GET", path, bearer=access, params=query).data
        orders = [Order.from_json(o) for o in data["results"]]
        return OrderPage(count=int(data["count"]), page=page, page_size=self.PAGE_SIZE, orders=orders)

    def mine(self, access: str, *, page: int = 1) -> OrderPage:
        return self._page("/api/orders", access, page)

    def get(self, access: str, order_id: str) -> Order:
        return Order.from_json(self.call("GET", f"/api/orders/{order_id}", bearer=access).data)

    def cancel(self, access: str, order_id: str) -> Order:
        return Order.from_json(self.call("POST", f"/api/orders/{order_id}/cancel", bearer=access).data)

    def all_orders(self, access: str, *, status: str = "", page: int = 1) -> OrderPage:
        return self._page("/api/admin/orders", access, page, status=status)
