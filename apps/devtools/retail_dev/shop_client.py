"""The shop's HTTP API as a test, a benchmark or the smoke calls it: sign up, log in, create a product,
place an order, read it back, wait for the saga to move it.

It talks to whatever runs the shop (retail_dev.stack.Stack's processes or containers) through the
services' URLs; tokens are minted with the dev key, as the users service would sign them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt

from retail_common.auth.jwt_keys import key_id, load_private_key
from retail_common.config.topology import JWT_AUDIENCE, JWT_ISSUER
from retail_common.domain.cards import luhn_valid
from retail_dev.factories import address
from retail_dev.paths import SECRETS_DIR
from retail_dev.testing import poll


def card_ending(last4: str) -> str:
    """A 16-digit Visa-looking number that passes Luhn and ends with last4."""
    for middle in range(100):
        number = f"4000000000{middle:02d}{last4}"
        if luhn_valid(number):
            return number
    raise AssertionError(f"no Luhn-valid number ends with {last4}")


def token(user_id: uuid.UUID | None = None, role: str = "CUSTOMER") -> str:
    key = load_private_key((SECRETS_DIR / "JWT_PRIVATE_KEY").read_text())
    now = int(time.time())
    claims = {"sub": str(user_id or uuid.uuid4()), "email": "e2e@retail.test", "role": role, "iss": JWT_ISSUER}
    claims |= {"aud": JWT_AUDIENCE, "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def order_body(items: list[tuple[int, int]], *, card: str = "4242424242424242", extra=None) -> dict:
    """The body of POST /api/orders; `extra` adds fields to the body and to every item."""
    extra = extra or {}
    return {
        **extra,
        "items": [{**extra, "product_id": p, "quantity": q} for p, q in items],
        "shipping_address": address(),
        "payment_method": {"card_number": card},
    }


@dataclass
class Answer:
    status: int
    body: object


def call(method: str, url: str, body=None, *, bearer: str | None = None, headers: dict | None = None) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (local servers of this stack)
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {bearer}"} if bearer else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return Answer(response.status, json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return Answer(error.code, json.loads(raw))
        except ValueError:
            return Answer(error.code, raw.decode(errors="replace"))


@dataclass
class ShopClient:
    """Calls a test reads like prose, against the services at `urls` ({project: base URL})."""

    urls: dict
    admin: str = field(default_factory=lambda: token(role="ADMIN"))
    # Called when a wait times out, before the AssertionError: the stack shows its processes' last lines.
    on_timeout: Callable[[], None] = lambda: None

    def sign_up(self, email: str, password: str) -> Answer:
        return call("POST", f"{self.urls['users']}/api/auth/register", {"email": email, "password": password})

    def log_in(self, email: str, password: str) -> Answer:
        return call("POST", f"{self.urls['users']}/api/auth/login", {"email": email, "password": password})

    def product(self, *, on_hand: int, price: str = "12.50", category: str = "kitchen") -> dict:
        n = uuid.uuid4().hex[:8]
        body = {"sku": f"E2E-{n}", "slug": f"e2e-{n}", "name": f"E2E {n}", "price": price, "category": category}
        answer = call("POST", f"{self.urls['inventory']}/api/products", {**body, "on_hand": on_hand}, bearer=self.admin)
        assert answer.status == 201, answer.body
        return answer.body

    def stock(self, sku: str) -> dict:
        return call("GET", f"{self.urls['inventory']}/api/inventory/{sku}", bearer=self.admin).body

    def order(
        self, bearer: str, items: list[tuple[int, int]], *, card: str = "4242424242424242", key=None, extra=None
    ) -> Answer:
        """POST /api/orders; `extra` adds fields to the body and to every item (e.g. prices a client made up)."""
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        body = order_body(items, card=card, extra=extra)
        return call("POST", f"{self.urls['orders']}/api/orders", body, bearer=bearer, headers=headers)

    def order_status(self, bearer: str, order_id: str) -> dict:
        return call("GET", f"{self.urls['orders']}/api/orders/{order_id}", bearer=bearer).body

    def payments_of(self, order_id: str) -> list[dict]:
        url = f"{self.urls['payments']}/api/admin/payments?order_id={order_id}"
        return call("GET", url, bearer=self.admin).body["results"]

    def wait(self, fetch, predicate, *, timeout: float = 60.0, message: str = "the shop reaches the state awaited"):
        """fetch() once predicate(value) holds (bounded). When it never does, `on_timeout` runs (the
        stack's processes' last lines on stderr) and AssertionError names the last value."""
        try:
            return poll(fetch, until=predicate, timeout=timeout, message=message)
        except AssertionError:
            self.on_timeout()
            raise
