"""Placing an order from the cart: one order per checkout form, whatever the number of submits.

Each render of the form carries a fresh idempotency key. The orders service answers the same
key with the same order, so a double submit (two clicks, a retried POST) makes one order; the
session also remembers which order a key made, so a late second submit lands on it too.
"""

from __future__ import annotations

import uuid

from backends import clients
from backends.orders import Order
from customers import session_auth

from shop.cart import Cart

ISSUED_KEY = "checkout_keys"
DONE_KEY = "checkout_done"
REMEMBERED = 20


def issue_key(session) -> str:
    key = uuid.uuid4().hex
    session[ISSUED_KEY] = [*session.get(ISSUED_KEY, [])[-(REMEMBERED - 1) :], key]
    return key


def was_issued(session, key: str) -> bool:
    return key in session.get(ISSUED_KEY, [])


def order_made_with(session, key: str) -> str | None:
    return session.get(DONE_KEY, {}).get(key)


class OrderNotPlaced(Exception):
    """Orders made the order but had to cancel it at once (inventory unreachable): the cart stays."""

    def __init__(self, order: Order):
        super().__init__(order.cancel_reason)
        self.order = order


def place_order(request, *, key: str, address: dict, card_number: str) -> Order:
    """Raises OutOfStock (409), OrderNotPlaced, BackendRejected or BackendUnavailable; the cart stays
    in every one of those cases."""
    cart = Cart(request.session)
    order = clients.orders().place(
        session_auth.access_token(request),
        items=cart.items(),
        address=address,
        card_number=card_number,
        idempotency_key=key,
    )
    if order.cancelled:  # a repeated key whose first attempt could not reserve the stock
        raise OrderNotPlaced(order)
    done = dict(request.session.get(DONE_KEY, {}))
    done[key] = order.id
    request.session[DONE_KEY] = dict(list(done.items())[-REMEMBERED:])
    cart.clear()
    return order
