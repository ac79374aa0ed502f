"""Property tests of the cart and checkout forms: any field values, left out or repeated, never a 500,
and a refused form leaves the cart as it was and places no order (issue 12)."""

import re

import pytest
from django.test import Client
from hypothesis import event, example, given
from hypothesis import strategies as st

from conftest import new_product
from retail_dev.factories import address
from retail_dev.shop_client import call, card_ending
from shop.tests.fuzz_inputs import (
    as_received,
    assert_no_server_error,
    bounded,
    field,
    has_null,
    last_sent,
    post_form,
    sent,
    whole_number,
)

pytestmark = pytest.mark.django_db

ON_HAND = 5
UNKNOWN_ID = st.integers(min_value=10**9, max_value=2**80)  # far above any product the tests create


def cart_of(client) -> dict:
    return dict(client.session.get("cart", {}))


@pytest.fixture
def product(stack):
    """One product for all examples of a test (hypothesis runs them inside one call of the test)."""
    return new_product(stack, on_hand=ON_HAND)


@pytest.fixture
def other_product(stack):
    return new_product(stack, on_hand=ON_HAND)


@pytest.fixture
def plenty(stack):
    """Stock for every order the checkout examples may place."""
    return new_product(stack, on_hand=10_000)


@given(quantity=sent(field("1", "2", "5", "6", "99", "100", " 3 ", "2.0")))
@bounded(60)
def test_adding_to_the_cart(product, quantity):
    """Exactly a whole number from 1 to the stock goes in; anything else is a message and an unchanged cart."""
    client = Client()

    response = post_form(client, f"/products/{product['slug']}/add/", {"quantity": quantity})

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    assert response.status_code == 302
    wanted = whole_number(last_sent(quantity))
    if wanted is not None and 1 <= wanted <= ON_HAND:
        assert response["Location"] == "/cart/"
        assert cart_of(client) == {str(product["id"]): wanted}
    else:
        assert response["Location"] == f"/products/{product['slug']}/"
        assert cart_of(client) == {}
        page = client.get(response["Location"])
        assert 'class="alert alert--error"' in page.content.decode(), "the refusal says why"


@given(
    which=st.sampled_from(["in cart", "other", "unknown", "text"]),
    unknown=UNKNOWN_ID,
    spelling=st.sampled_from(["{}", " {} ", "{}.0", "+{}"]),
    junk=sent(field()),
    quantity=sent(field("0", "1", "3", "5", "6", "99", "-1")),
)
@bounded(60)
def test_updating_a_cart_line(product, other_product, which, unknown, spelling, junk, quantity):
    """A line changes only to a valid quantity of a product inventory knows; otherwise the cart stays."""
    in_cart, other = product, other_product
    client = Client()
    client.post(f"/products/{in_cart['slug']}/add/", {"quantity": 2})
    before = cart_of(client)
    chosen = {"in cart": in_cart["id"], "other": other["id"], "unknown": unknown}.get(which)
    product_id = [spelling.format(chosen)] if chosen is not None else junk

    response = post_form(client, "/cart/update/", {"product_id": product_id, "quantity": quantity})

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    wanted = whole_number(last_sent(quantity))
    valid_quantity = wanted is not None and 0 <= wanted <= 99
    target = whole_number(last_sent(product_id))
    if not valid_quantity or target is None or target < 1:
        assert (response.status_code, response["Location"]) == (302, "/cart/")
        assert cart_of(client) == before
    elif target not in (in_cart["id"], other["id"]):
        assert response.status_code == 404, "a product inventory does not know"
        assert cart_of(client) == before
    elif wanted > ON_HAND:
        assert (response.status_code, response["Location"]) == (302, "/cart/")
        assert cart_of(client) == before
    else:
        assert (response.status_code, response["Location"]) == (302, "/cart/")
        expected = {**before, str(target): wanted}
        assert cart_of(client) == {k: v for k, v in expected.items() if v}


@given(product_id=sent(field("{}", " {} ")))
@bounded(40)
def test_removing_a_cart_line(product, product_id):
    """Remove takes out exactly the line it names, and only that."""
    client = Client()
    client.post(f"/products/{product['slug']}/add/", {"quantity": 1})
    sent_ids = [value.replace("{}", str(product["id"])) for value in product_id]

    response = post_form(client, "/cart/remove/", {"product_id": sent_ids})

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    assert (response.status_code, response["Location"]) == (302, "/cart/")
    removed = whole_number(last_sent(sent_ids)) == product["id"]
    assert cart_of(client) == ({} if removed else {str(product["id"]): 1})


ADDRESS_FIELDS_GOOD = {**address(), "card_number": "4242 4242 4242 4242"}
ADDRESS_FIELDS = {
    "name": field("Ada Lovelace", "Zoë O'Brien-Łukasz"),
    "line1": field("1 Market St"),
    "line2": field("Flat 2"),
    "city": field("Springfield", "São Paulo"),
    "postal_code": field("12345", "SW1A 1AA", "K1A-0B1"),
    "country": field("US", "GB", "JP"),
    "card_number": field("4242 4242 4242 4242", "4242-4242-4242-4242", card_ending("0002")),
}


def order_count(client, stack) -> int:
    answer = call("GET", f"{stack.urls['orders']}/api/orders", bearer=client.session["auth"]["access"])
    assert answer.status == 200, answer.body
    return answer.body["count"]


GOOD_ADDRESS = {name: [value] for name, value in ADDRESS_FIELDS_GOOD.items()}


@given(fields=st.fixed_dictionaries({name: sent(value) for name, value in ADDRESS_FIELDS.items()}))
@example(fields=GOOD_ADDRESS)  # an order placed, every run
@example(fields={**GOOD_ADDRESS, "card_number": [card_ending("0002")]})  # declined later, by payments
@example(fields={**GOOD_ADDRESS, "city": ["Spring\x00field"]})
@bounded(40)
def test_checkout(shopper, client, stack, plenty, fields):
    """A refused checkout names the field, places no order and keeps the cart; one that goes through
    places exactly one order and empties the cart."""
    if not cart_of(client):  # the last example placed its order
        client.post(f"/products/{plenty['slug']}/add/", {"quantity": 1})
    key = client.get("/checkout/").context["form"].initial["idempotency_key"]
    cart_before, orders_before = cart_of(client), order_count(client, stack)

    response = post_form(client, "/checkout/", {**fields, "idempotency_key": [key]})

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    placed = order_count(client, stack) - orders_before
    if response.status_code == 302:
        assert re.fullmatch(r"/orders/[0-9a-f-]{36}/", response["Location"]), response["Location"]
        assert placed == 1
        assert cart_of(client) == {}
        return
    assert response.status_code in (400, 409), response.status_code
    assert placed == 0
    assert cart_of(client) == cart_before
    errors = response.context["form"].errors
    assert errors, "a refused form says what is wrong"
    html = response.content.decode()
    for name in errors:
        assert name in ADDRESS_FIELDS, f"an error on a field the shopper cannot see: {name}"
        assert f'id="id_{name}_error"' in html, f"the error of {name} is not shown next to it"
    for name, values in fields.items():
        if has_null(values[-1:]):
            assert name in errors, f"a NUL byte in {name} must be refused there"
        if not values or not as_received(values[-1]).strip():
            assert name in errors or name == "line2", f"{name} left out"
