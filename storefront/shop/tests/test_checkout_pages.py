"""Checkout: sign-in required, form errors next to their fields, one order per form, and every way it can fail."""

import re

import pytest

from conftest import PASSWORD, new_product, register
from retail_dev.factories import address
from retail_dev.shop_client import call

pytestmark = pytest.mark.django_db

ADDRESS = address(line2="Flat 2")
CARD = "4242 4242 4242 4242"


def add(client, product: dict, quantity: int = 1) -> None:
    response = client.post(f"/products/{product['slug']}/add/", {"quantity": quantity})
    assert response["Location"] == "/cart/", "the product did not go into the cart"


def checkout_form(client, **changes) -> dict:
    """The checkout form as the page renders it (with the idempotency key it issued), filled in."""
    page = client.get("/checkout/")
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    return {**ADDRESS, "card_number": CARD, "idempotency_key": key, **changes}


def cart_in_session(client) -> dict:
    return dict(client.session.get("cart", {}))


def orders_of(client, stack) -> list[dict]:
    """The shopper's orders as the orders service has them (read with the session's own token)."""
    answer = call("GET", f"{stack.urls['orders']}/api/orders", bearer=client.session["auth"]["access"])
    assert answer.status == 200, answer.body
    return answer.body["results"]


def control(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|select)\b[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no control named {name}"
    return match.group(0)


def field_error(html: str, name: str) -> str:
    """The error shown under a field; asserts the control is marked invalid and points at it."""
    tag = control(html, name)
    assert 'aria-invalid="true"' in tag, tag
    assert f"id_{name}_error" in tag, tag
    match = re.search(rf'<p class="field__error" id="id_{name}_error">(.*?)</p>', html)
    assert match, f"no error under {name}"
    return match.group(1)


def order_id_from(location: str) -> str:
    match = re.fullmatch(r"/orders/([0-9a-f-]{36})/", location)
    assert match, location
    return match.group(1)


def test_anonymous_checkout_goes_to_sign_in_and_back(client, stack):
    email = register(client)
    client.post("/logout/")
    product = new_product(stack, on_hand=5)
    add(client, product, 1)

    page = client.get("/checkout/")
    post = client.post("/checkout/", {**ADDRESS, "card_number": CARD})
    signed_in = client.post("/login/", {"email": email, "password": PASSWORD, "next": "/checkout/"})

    assert page.status_code == 302
    assert page["Location"] == "/login/?next=%2Fcheckout%2F"
    assert post.status_code == 302
    assert post["Location"] == "/login/"
    assert signed_in["Location"] == "/checkout/"
    assert client.get("/checkout/").status_code == 200
    assert cart_in_session(client) == {str(product["id"]): 1}, "the cart came along through sign-in"


def test_an_empty_cart_goes_back_to_the_cart(client, shopper):
    response = client.get("/checkout/", follow=True)

    assert response.redirect_chain == [("/cart/", 302)]
    assert "Your cart is empty." in response.content.decode()


def test_the_form_is_prefilled_and_shows_the_cart(client, shopper, stack):
    product = new_product(stack, on_hand=5, price="8.25")
    add(client, product, 2)

    page = client.get("/checkout/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="Ada Lovelace"' in control(html, "name")
    assert f"2 \N{MULTIPLICATION SIGN} {product['name']}" in html
    assert "Place order · $16.50" in html
    key = page.context["form"].initial["idempotency_key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert f'value="{key}"' in control(html, "idempotency_key")


def test_an_invalid_card_number_is_shown_next_to_the_field(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)

    response = client.post("/checkout/", checkout_form(client, card_number="4242 4242 4242 4241"))

    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "card_number") == "This card number is not valid (check digit)."
    assert 'aria-invalid="true"' not in control(html, "name")
    assert orders_of(client, stack) == []
    assert cart_in_session(client) == {str(product["id"]): 1}


def test_missing_address_fields_are_shown_next_to_each_field(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client, name="", line1="", city="", postal_code="")

    response = client.post("/checkout/", form)

    assert response.status_code == 400
    html = response.content.decode()
    for name in ("name", "line1", "city", "postal_code"):
        assert field_error(html, name) == "This field is required."
    assert 'aria-invalid="true"' not in control(html, "line2")
    assert orders_of(client, stack) == []
    assert cart_in_session(client) == {str(product["id"]): 1}


def test_happy_path_places_one_order_empties_the_cart_and_gets_paid(client, shopper, stack):
    product = new_product(stack, on_hand=5, price="12.50")
    add(client, product, 2)

    response = client.post("/checkout/", checkout_form(client))

    assert response.status_code == 302
    order_id = order_id_from(response["Location"])
    assert cart_in_session(client) == {}
    page = client.get(response["Location"])
    assert "Thank you! Your order is placed." in page.content.decode()
    settled = stack.shop.wait(
        lambda: client.get(f"/orders/{order_id}/status/").context["order"],
        lambda order: not order.in_progress,
    )
    assert settled.status == "PAYMENT_COMPLETED"
    assert settled.total == 25 and settled.item_count == 2
    assert settled.shipping_address["line2"] == "Flat 2"
    assert (settled.card_brand, settled.card_last4) == ("visa", "4242")
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["reserved"] == 0)
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (3, 0, 3)
    assert 'aria-label="0 items">0</span>' in client.get("/cart/").content.decode()


def test_a_double_submit_makes_one_order(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client)

    first = client.post("/checkout/", form)
    second = client.post("/checkout/", form)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    listing = client.get("/orders/").context["result"]
    assert listing.count == 1
    assert [o["id"] for o in orders_of(client, stack)] == [order_id_from(first["Location"])]


def test_a_second_submit_that_races_the_first_still_lands_on_the_one_order(client, shopper, stack):
    """Two submits that both read the session before either saved it: the orders service's key decides."""
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client)
    first = client.post("/checkout/", form)
    session = client.session
    session["cart"] = {str(product["id"]): 1}  # the session as the racing request read it
    del session["checkout_done"]
    session.save()

    second = client.post("/checkout/", form)

    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert len(orders_of(client, stack)) == 1


def test_a_form_whose_key_was_never_issued_has_expired(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client, idempotency_key="0" * 32)

    response = client.post("/checkout/", form)

    assert response.status_code == 400
    assert "This checkout form has expired." in response.content.decode()
    assert orders_of(client, stack) == []
    assert cart_in_session(client) == {str(product["id"]): 1}
    # The page comes back with a key that works: submitting it places the order.
    renewed = response.context["form"]["idempotency_key"].value()
    assert client.post("/checkout/", {**form, "idempotency_key": renewed}).status_code == 302
    assert len(orders_of(client, stack)) == 1


def test_out_of_stock_at_checkout_shows_the_short_line_and_keeps_the_cart(client, shopper, stack):
    product = new_product(stack, on_hand=2)
    add(client, product, 2)
    form = checkout_form(client)
    lowered = call(
        "PUT", f"{stack.urls['inventory']}/api/inventory/{product['sku']}", {"on_hand": 1}, bearer=stack.shop.admin
    )
    assert lowered.status == 200, lowered.body

    response = client.post("/checkout/", form)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Some items ran out while you were shopping." in html
    assert "Only 1 available — you asked for 2." in html
    assert response.context["short"] == {
        product["id"]: {"product_id": product["id"], "requested": 2, "available": 1, "reason": "OUT_OF_STOCK"}
    }
    assert cart_in_session(client) == {str(product["id"]): 2}
    stock = stack.shop.stock(product["sku"])
    assert (stock["on_hand"], stock["reserved"]) == (1, 0)
    # The page carries a new key: the old one is bound to the refused order.
    assert response.context["form"]["idempotency_key"].value() != form["idempotency_key"]
    assert "value=" not in control(html, "card_number"), "a card number is never echoed into a page"
    assert response["Cache-Control"] == "no-store"


def test_a_timed_out_checkout_is_retried_with_the_same_key_and_makes_one_order(client, shopper, stack, settings):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client)
    settings.BACKEND_TIMEOUT_SECONDS = 0.001  # orders gets the request but the answer comes too late

    response = client.post("/checkout/", form)

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
    retry_key = response.context["form"]["idempotency_key"].value()
    assert retry_key == form["idempotency_key"], "the outcome is unknown: the retry must repeat the same key"
    settings.BACKEND_TIMEOUT_SECONDS = 5.0
    retried = client.post("/checkout/", {**form, "idempotency_key": retry_key})
    assert retried.status_code == 302
    orders = orders_of(client, stack)
    assert len(orders) == 1, "the first attempt's order and the retry are one order"
    assert retried["Location"] == f"/orders/{orders[0]['id']}/"


def test_a_card_number_of_non_ascii_digits_is_refused_not_a_crash(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)

    response = client.post("/checkout/", checkout_form(client, card_number="\u00b2" * 16))

    assert response.status_code == 400
    assert "Enter a card number of 12 to 19 digits." in response.content.decode()
    assert orders_of(client, stack) == []


def test_checkout_while_orders_is_down_says_so_and_keeps_the_cart(client, shopper, stack, settings, closed_url):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)
    form = checkout_form(client)
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "orders": closed_url}

    response = client.post("/checkout/", form)

    assert response.status_code == 503
    html = response.content.decode()
    assert "Checkout is temporarily unavailable. Your cart is kept" in html
    assert "Traceback" not in html
    assert cart_in_session(client) == {str(product["id"]): 1}
    assert orders_of(client, stack) == []
    assert stack.shop.stock(product["sku"])["reserved"] == 0


def test_the_access_token_never_reaches_a_page(client, shopper, stack):
    product = new_product(stack, on_hand=5)
    pages = [client.get("/"), client.get(f"/products/{product['slug']}/")]
    add(client, product, 1)
    pages += [client.get("/cart/"), client.get("/checkout/")]
    placed = client.post("/checkout/", checkout_form(client), follow=True)
    order_id = order_id_from(placed.redirect_chain[-1][0])
    pages += [placed, client.get("/orders/"), client.get(f"/orders/{order_id}/status/"), client.get("/account/")]
    auth = client.session["auth"]

    for page in pages:
        assert page.status_code == 200, page.request["PATH_INFO"]
        body = page.content.decode()
        assert auth["access"] not in body, page.request["PATH_INFO"]
        assert auth["refresh"] not in body, page.request["PATH_INFO"]
        assert auth["access"].split(".")[1] not in body, "not even the claims part"
    assert all(auth["access"] not in cookie.value for cookie in client.cookies.values())
