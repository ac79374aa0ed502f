"""The storefront's tests drive its pages with Django's test client against the real backend services.

One session-wide Stack runs users, inventory (+gRPC), orders and payments (+consumers, relays) as
processes on free ports with their own databases and topics; each test points the storefront's
clients at it. A backend "down" is a closed port: a real refused connection.
"""

import uuid

import pytest
from backends.stale_cache import clear_local

from retail_dev.netutil import free_port
from retail_dev.stack import STAFF, Stack

pytest_plugins = ["retail_dev.testing.fixtures"]

PASSWORD = "Shop-Til-You-Drop-7"


@pytest.fixture(scope="session")
def stack():
    running = Stack()
    try:
        yield running.up()
    finally:
        running.down()


@pytest.fixture(autouse=True)
def _backends(request, settings):
    """Point the storefront at the stack (tests that need no backend do not start it)."""
    clear_local()
    if "stack" in request.fixturenames:
        backends = request.getfixturevalue("stack").urls
        settings.STOREFRONT_BACKENDS = {name: backends[name] for name in ("users", "inventory", "orders", "payments")}
    yield
    clear_local()


@pytest.fixture
def closed_url():
    """A URL nothing listens on: a backend that is down."""
    return f"http://127.0.0.1:{free_port()}"


def new_product(stack, *, on_hand: int, price: str = "12.50") -> dict:
    """A product of the test's own, in "gifts" (the catalog tests count the seeded "kitchen")."""
    return stack.shop.product(on_hand=on_hand, price=price, category="gifts")


def register(client, *, email: str | None = None, password: str = PASSWORD, first_name: str = "Ada") -> str:
    email = email or f"shopper-{uuid.uuid4().hex[:10]}@retail.test"
    response = client.post(
        "/register/",
        {
            "first_name": first_name,
            "last_name": "Lovelace",
            "email": email,
            "password": password,
            "password_again": password,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return email


@pytest.fixture
def shopper(client, stack, db):
    """The test client, signed in as a freshly registered CUSTOMER; returns its email."""
    return register(client)


@pytest.fixture
def staff_client(client, stack, db):
    email, password = STAFF
    response = client.post("/login/", {"email": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client
