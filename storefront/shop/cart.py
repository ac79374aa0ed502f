"""The cart: product ids and quantities in the session; prices and stock are re-read from inventory.

The session lives in storefront_db, so a cart survives a storefront restart. Nothing priced is
stored: every view of the cart asks inventory, and orders takes its prices from ReserveStock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backends import clients
from backends.http import BackendRejected
from backends.inventory import Product

CART_KEY = "cart"
MAX_QUANTITY = 99  # per line; orders accepts up to 1000, a shop page does not need more
MAX_LINES = 50  # orders refuses an order of more lines: the cart says so when the product is added


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def problem(self) -> str:
        if not self.product.in_stock:
            return "Out of stock"
        if self.quantity > self.product.available:
            return f"Only {self.product.available} left"
        return ""


@dataclass(frozen=True)
class PricedCart:
    lines: list[CartLine]
    removed: list[str]  # names of products that are no longer sold

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0"))

    @property
    def currency(self) -> str:
        return self.lines[0].product.currency if self.lines else "USD"

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)


class QuantityError(ValueError):
    pass


class Cart:
    def __init__(self, session):
        self.session = session

    @property
    def _items(self) -> dict[str, int]:
        return dict(self.session.get(CART_KEY, {}))

    def _save(self, items: dict[str, int]) -> None:
        self.session[CART_KEY] = items

    def items(self) -> list[tuple[int, int]]:
        return [(int(pid), qty) for pid, qty in self._items.items()]

    @property
    def count(self) -> int:
        return sum(self._items.values())

    def quantity_of(self, product_id: int) -> int:
        return self._items.get(str(product_id), 0)

    def add(self, product: Product, quantity: int) -> int:
        """Add to the line; returns the line's new quantity. Refuses more than inventory has."""
        return self.set(product, self.quantity_of(product.id) + quantity)

    def set(self, product: Product, quantity: int) -> int:
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise QuantityError(f"Choose a quantity from 0 to {MAX_QUANTITY}.")
        if quantity > product.available:
            if not product.in_stock:
                raise QuantityError(f"{product.name} is out of stock.")
            raise QuantityError(f"Only {product.available} of {product.name} left.")
        items = self._items
        if quantity and str(product.id) not in items and len(items) >= MAX_LINES:
            raise QuantityError(f"Your cart holds at most {MAX_LINES} products: check out or remove one first.")
        if quantity == 0:
            items.pop(str(product.id), None)
        else:
            items[str(product.id)] = quantity
        self._save(items)
        return quantity

    def remove(self, product_id: int) -> None:
        items = self._items
        items.pop(str(product_id), None)
        self._save(items)

    def clear(self) -> None:
        self.session.pop(CART_KEY, None)

    def priced(self) -> PricedCart:
        """Each line with today's price and stock (a stale copy while inventory is down)."""
        inventory = clients.inventory()
        lines, removed = [], []
        for product_id, quantity in self.items():
            try:
                product = inventory.product(product_id)  # the last copy while inventory is down, marked degraded
            except BackendRejected as exc:
                if exc.status != 404:
                    raise
                self.remove(product_id)
                removed.append(f"product #{product_id}")
                continue
            lines.append(CartLine(product, quantity))
        return PricedCart(lines, removed)
