"""Order pages: the list, the detail with its timeline, the self-refreshing status box, cancelling, and ownership."""

import contextlib
import re
import uuid

import pytest
from django.test import Client

from conftest import new_product, register
from retail_dev.factories import address
from retail_dev.shop_client import card_ending

pytestmark = pytest.mark.django_db

CARD = "4242 4242 4242 4242"
ADDRESS = address()


def place(client, product: dict, *, quantity: int = 1, card: str = CARD) -> str:
    """Put the product in the cart and check out; the new order's id."""
    client.post(f"/products/{product['slug']}/add/", {"quantity": quantity})
    key = client.get("/checkout/").context["form"].initial["idempotency_key"]
    response = client.post("/checkout/", {**ADDRESS, "card_number": card, "idempotency_key": key})
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.fullmatch(r"/orders/([0-9a-f-]{36})/", response["Location"]).group(1)


def status_box(client, order_id: str):
    response = client.get(f"/orders/{order_id}/status/")
    assert response.status_code == 200
    return response


def settled(client, stack, order_id: str, predicate=lambda box: not box.context["order"].in_progress):
    """The status box once the saga has moved the order on (polls the storefront's own fragment)."""
    return stack.shop.wait(lambda: status_box(client, order_id), predicate)


@contextlib.contextmanager
def payments_paused(stack):
    """No payments consumer: orders wait in INVENTORY_RESERVED until it is back."""
    stack.stop("payments-consumers")
    try:
        yield
    finally:
        stack.spawn("payments", "consumers", "run_consumers")


def steps(html: str) -> list[tuple[str, str]]:
    """(state, label) of each timeline step, in order."""
    return re.findall(r'timeline__step--(\w+)">.*?<span class="timeline__label">([^<]+)</span>', html, re.S)


def test_a_new_shopper_has_no_orders(client, shopper):
    page = client.get("/orders/")

    assert page.status_code == 200
    assert page.context["result"].count == 0
    assert "You have no orders yet." in page.content.decode()


def test_order_list_shows_the_shoppers_orders_newest_first(client, shopper, stack):
    product = new_product(stack, on_hand=10, price="3.00")
    first = place(client, product, quantity=1)
    second = place(client, product, quantity=3)

    page = client.get("/orders/")

    assert page.status_code == 200
    assert [o.id for o in page.context["result"].orders] == [second, first]
    html = page.content.decode()
    assert f'href="/orders/{second}/"' in html
    assert f'href="/orders/{first}/"' in html
    assert "$9.00" in html and "$3.00" in html


def test_order_detail_shows_items_address_payment_and_timeline(client, shopper, stack):
    product = new_product(stack, on_hand=5, price="12.50")
    order_id = place(client, product, quantity=2)
    settled(client, stack, order_id)

    page = client.get(f"/orders/{order_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["order"].status == "PAYMENT_COMPLETED"
    assert steps(html) == [
        ("done", "Order received"),
        ("done", "Items reserved"),
        ("current", "Payment completed"),
        ("upcoming", "Shipped"),
        ("upcoming", "Delivered"),
    ]
    assert html.count("<time datetime=") == 3
    assert f'{product["name"]} <span class="muted">{product["sku"]}</span>' in html
    assert "<strong>$25.00</strong>" in html
    assert "1 Market St" in html and "12345 Springfield" in html
    assert "Paid</span> $25.00 · Visa ending 4242" in html
    assert f'href="/orders/{order_id}/cancel/"' in html
    assert 'http-equiv="refresh"' not in html


def test_status_box_refreshes_while_in_progress_and_stops_once_terminal(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    with payments_paused(stack):
        order_id = place(client, product)
        waiting = status_box(client, order_id)
        detail = client.get(f"/orders/{order_id}/")

        assert waiting.context["order"].status == "INVENTORY_RESERVED"
        assert f'data-refresh-url="/orders/{order_id}/status/"' in waiting.content.decode()
        assert "this page updates by itself" in waiting.content.decode()
        assert "Waiting for the payment…" in waiting.content.decode()
        assert waiting["Cache-Control"] == "no-store"
        assert "<!doctype html>" not in waiting.content.decode(), "a fragment, not a page"
        assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in detail.content.decode()

    done = settled(client, stack, order_id)

    assert done.context["order"].status == "PAYMENT_COMPLETED"
    assert "data-refresh-url" not in done.content.decode()
    assert "this page updates by itself" not in done.content.decode()


def test_a_declined_card_shows_payment_failed_with_the_reason(client, shopper, stack):
    product = new_product(stack, on_hand=5, price="7.00")
    order_id = place(client, product, card=card_ending("0002"))

    box = settled(client, stack, order_id)
    page = client.get(f"/orders/{order_id}/")

    assert box.context["order"].status == "PAYMENT_FAILED"
    html = page.content.decode()
    assert '<span class="status status--payment_failed">Payment failed</span>' in html
    assert "Declined</span> $7.00 · Visa ending 0002 — the card was declined" in html
    assert steps(html)[-1] == ("stopped", "Payment failed")
    assert "Cancel order" not in html
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["reserved"] == 0)
    assert (stock["on_hand"], stock["reserved"]) == (5, 0), "the reservation was released"


def test_cancel_asks_first_then_cancels_and_refunds(client, shopper, stack):
    product = new_product(stack, on_hand=5, price="20.00")
    order_id = place(client, product, quantity=2)
    settled(client, stack, order_id)

    confirm = client.get(f"/orders/{order_id}/cancel/")

    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Cancel this order?" in html
    assert "2 items · $40.00" in html
    assert "Your payment will be refunded to the card ending 4242." in html
    still = status_box(client, order_id).context["order"]
    assert still.status == "PAYMENT_COMPLETED", "the GET only asks"

    cancelled = client.post(f"/orders/{order_id}/cancel/", follow=True)

    assert cancelled.redirect_chain == [(f"/orders/{order_id}/", 302)]
    assert "Your order is cancelled. Any payment will be refunded." in cancelled.content.decode()
    assert cancelled.context["order"].status == "CANCELLED"
    assert "This order was cancelled: you cancelled it." in cancelled.content.decode()
    refunded = settled(client, stack, order_id, lambda box: [p.status for p in box.context["payments"]] == ["REFUNDED"])
    assert [p.status for p in refunded.context["payments"]] == ["REFUNDED"]
    assert "Refunded</span> $40.00" in refunded.content.decode()
    assert "data-refresh-url" not in refunded.content.decode(), "refunded: nothing left to wait for"
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 5)
    assert (stock["on_hand"], stock["reserved"]) == (5, 0), "the items went back on the shelf"


def test_a_second_cancel_is_refused_politely(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    order_id = place(client, product)
    settled(client, stack, order_id)
    client.post(f"/orders/{order_id}/cancel/")

    again = client.post(f"/orders/{order_id}/cancel/", follow=True)
    confirm_again = client.get(f"/orders/{order_id}/cancel/", follow=True)

    assert again.redirect_chain == [(f"/orders/{order_id}/", 302)]
    assert "This order can no longer be cancelled." in again.content.decode()
    assert confirm_again.redirect_chain == [(f"/orders/{order_id}/", 302)]
    assert "This order can no longer be cancelled." in confirm_again.content.decode()
    assert again.context["order"].status == "CANCELLED"


def test_another_shoppers_order_is_a_404_page(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    order_id = place(client, product)
    stranger = Client()
    register(stranger)

    pages = [
        stranger.get(f"/orders/{order_id}/"),
        stranger.get(f"/orders/{order_id}/status/"),
        stranger.get(f"/orders/{order_id}/cancel/"),
        stranger.post(f"/orders/{order_id}/cancel/"),
        stranger.get(f"/orders/{uuid.uuid4()}/"),
    ]

    for page in pages:
        assert page.status_code == 404
        assert "We could not find that page" in page.content.decode()
    assert order_id not in pages[0].content.decode()
    assert client.get(f"/orders/{order_id}/status/").context["order"].status != "CANCELLED", "the POST did nothing"


def test_order_pages_need_sign_in(client, stack):
    order_id = uuid.uuid4()

    for path in ("/orders/", f"/orders/{order_id}/", f"/orders/{order_id}/cancel/"):
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=%2Forders%2F")


def test_orders_down_is_a_friendly_503_page(client, shopper, settings, closed_url):
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "orders": closed_url}

    response = client.get("/orders/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Ordering is temporarily unavailable" in response.content.decode()


def test_payments_down_still_shows_the_order(client, shopper, stack, settings, closed_url):
    order_id = place(client, new_product(stack, on_hand=5))
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "payments": closed_url}

    page = client.get(f"/orders/{order_id}/")

    assert page.status_code == 200
    assert page.context["order"].id == order_id
    assert page.context["payments"] is None
    assert "Payment details are unavailable right now." in page.content.decode()
