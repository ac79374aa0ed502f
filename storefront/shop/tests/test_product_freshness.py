"""The product page's freshness window (PRODUCT_FRESH_SECONDS): the page shows its copy of a product for the
window and the new price once it has passed; what a shopper buys never depends on it (the cart and checkout
ask inventory live); the views served from the copy still count for trending."""

from decimal import Decimal

import pytest

from conftest import new_product
from retail_dev.shop_client import call
from retail_dev.testing import poll
from shop.tests.test_checkout_pages import add, checkout_form, order_id_from

pytestmark = pytest.mark.django_db

LONG_WINDOW = 300.0  # longer than any test: the copy is still fresh whenever the test looks


def price_change(stack, product: dict, price: str) -> None:
    changed = call(
        "PATCH", f"{stack.urls['inventory']}/api/products/{product['id']}", {"price": price}, bearer=stack.shop.admin
    )
    assert changed.status == 200, changed.body


def shown_price(client, product: dict) -> str:
    page = client.get(f"/products/{product['slug']}/")
    assert page.status_code == 200
    return str(page.context["product"].price)


def test_the_page_keeps_its_copy_for_the_window_and_shows_a_price_change_once_it_has_passed(client, stack, settings):
    settings.PRODUCT_FRESH_SECONDS = LONG_WINDOW
    product = new_product(stack, on_hand=5, price="10.00")
    assert shown_price(client, product) == "10.00"
    price_change(stack, product, "15.75")

    assert shown_price(client, product) == "10.00"  # inside the window: the copy, inventory not asked

    settings.PRODUCT_FRESH_SECONDS = 0.2  # the copy is now older than the window
    shown = poll(
        lambda: shown_price(client, product), until=lambda price: price == "15.75", timeout=30, message="the new price"
    )
    assert shown == "15.75"
    assert "$15.75" in client.get(f"/products/{product['slug']}/").content.decode()


def priced_in_the_cart_after_a_change_inside_the_window(client, stack, settings) -> tuple[dict, object]:
    """A product whose page (and cart) showed 10.00, repriced at 15.75 while the page's copy is fresh, then
    added again: the cart page as the shopper sees it."""
    settings.PRODUCT_FRESH_SECONDS = LONG_WINDOW
    product = new_product(stack, on_hand=5, price="10.00")
    assert shown_price(client, product) == "10.00"
    add(client, product, 1)
    assert "$10.00" in client.get("/cart/").content.decode()
    price_change(stack, product, "15.75")
    add(client, product, 1)
    return product, client.get("/cart/")


def test_the_cart_uses_the_live_price_inside_the_window(client, stack, settings):
    product, cart = priced_in_the_cart_after_a_change_inside_the_window(client, stack, settings)

    assert [str(line.product.price) for line in cart.context["cart"].lines] == ["15.75"]
    assert "$31.50" in cart.content.decode()
    assert shown_price(client, product) == "10.00"  # the page's copy, while the cart already charges 15.75


def test_checkout_charges_the_live_price_inside_the_window(client, shopper, stack, settings):
    priced_in_the_cart_after_a_change_inside_the_window(client, stack, settings)

    response = client.post("/checkout/", checkout_form(client))
    assert response.status_code == 302
    order_id = order_id_from(response["Location"])
    order = stack.shop.wait(
        lambda: client.get(f"/orders/{order_id}/status/").context["order"], lambda order: not order.in_progress
    )
    assert (order.status, order.total, order.item_count) == ("PAYMENT_COMPLETED", Decimal("31.50"), 2)


def test_views_served_from_the_copy_count_for_trending(client, stack, settings):
    settings.PRODUCT_FRESH_SECONDS = LONG_WINDOW
    product = new_product(stack, on_hand=5)
    for _ in range(3):  # one fetch, two pages from the copy
        assert client.get(f"/products/{product['slug']}/").status_code == 200
    settings.PRODUCT_FRESH_SECONDS = 0  # the fourth page fetches and sends the two it did not
    assert client.get(f"/products/{product['slug']}/").status_code == 200

    new_product(stack, on_hand=1)  # a catalog write: inventory's cached trending answer is rebuilt
    trending = call("GET", f"{stack.urls['inventory']}/api/products/trending?limit=50").body
    assert {p["id"]: p["views"] for p in trending}.get(product["id"]) == 4
