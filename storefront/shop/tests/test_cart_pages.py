"""The cart pages: add, update, remove, prices re-read from inventory, and a cart that outlives the process."""

import pytest
from backends.stale_cache import clear_local
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from conftest import new_product
from retail_dev.shop_client import call

pytestmark = pytest.mark.django_db


def add(client, product: dict, quantity, **kwargs):
    return client.post(f"/products/{product['slug']}/add/", {"quantity": quantity}, **kwargs)


def update(client, product: dict, quantity, **kwargs):
    return client.post("/cart/update/", {"product_id": product["id"], "quantity": quantity}, **kwargs)


def cart_in_session(client) -> dict:
    return dict(client.session.get("cart", {}))


def badge(count: int) -> str:
    return f'<span class="badge" aria-label="{count} items">{count}</span>'


def test_add_to_cart_says_so_and_counts_in_the_header(client, stack):
    product = new_product(stack, on_hand=5, price="12.50")

    response = add(client, product, 2)
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    html = page.content.decode()
    assert f"Added {product['name']} to your cart (2 in cart)." in html
    assert badge(2) in html
    assert "$25.00" in html
    assert cart_in_session(client) == {str(product["id"]): 2}


def test_adding_again_adds_to_the_line(client, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 1)

    page = add(client, product, 2, follow=True)

    assert f"Added {product['name']} to your cart (3 in cart)." in page.content.decode()
    assert cart_in_session(client) == {str(product["id"]): 3}


def test_adding_more_than_available_is_refused_and_the_cart_is_unchanged(client, stack):
    product = new_product(stack, on_hand=3)
    add(client, product, 1)

    response = add(client, product, 3)
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == f"/products/{product['slug']}/"
    assert f"Only 3 of {product['name']} left." in page.content.decode()
    assert cart_in_session(client) == {str(product["id"]): 1}
    assert badge(1) in page.content.decode()


def test_adding_a_sold_out_product_is_refused(client, stack):
    product = new_product(stack, on_hand=0)

    page = add(client, product, 1, follow=True)

    assert f"{product['name']} is out of stock." in page.content.decode()
    assert cart_in_session(client) == {}


def test_adding_an_invalid_quantity_is_refused(client, stack):
    product = new_product(stack, on_hand=5)

    for quantity in ("0", "-1", "100", "two"):
        page = add(client, product, quantity, follow=True)

        assert page.redirect_chain == [(f"/products/{product['slug']}/", 302)]
        assert "Choose a quantity from 1 to 99." in page.content.decode()
    assert cart_in_session(client) == {}


def test_adding_an_unknown_product_is_a_404(client, stack):
    response = client.post("/products/no-such-product/add/", {"quantity": 1})

    assert response.status_code == 404
    assert cart_in_session(client) == {}


def test_update_quantity(client, stack):
    product = new_product(stack, on_hand=5, price="4.00")
    add(client, product, 1)

    page = update(client, product, 4, follow=True)

    assert page.redirect_chain == [("/cart/", 302)]
    html = page.content.decode()
    assert f"Updated {product['name']}." in html
    assert f'id="qty-{product["id"]}" type="number" name="quantity" value="4"' in html
    assert "$16.00" in html
    assert cart_in_session(client) == {str(product["id"]): 4}


def test_update_beyond_stock_is_refused(client, stack):
    product = new_product(stack, on_hand=2)
    add(client, product, 1)

    page = update(client, product, 3, follow=True)

    assert f"Only 2 of {product['name']} left." in page.content.decode()
    assert cart_in_session(client) == {str(product["id"]): 1}


def test_quantity_zero_removes_the_line(client, stack):
    kept, dropped = new_product(stack, on_hand=5), new_product(stack, on_hand=5)
    add(client, kept, 1)
    add(client, dropped, 2)

    page = update(client, dropped, 0, follow=True)

    assert cart_in_session(client) == {str(kept["id"]): 1}
    assert [line.product.id for line in page.context["cart"].lines] == [kept["id"]]
    assert f'id="qty-{dropped["id"]}"' not in page.content.decode()
    assert badge(1) in page.content.decode()


def test_remove(client, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 2)

    page = client.post("/cart/remove/", {"product_id": product["id"]}, follow=True)

    assert page.redirect_chain == [("/cart/", 302)]
    html = page.content.decode()
    assert "Removed from your cart." in html
    assert "Your cart is empty." in html
    assert badge(0) in html
    assert cart_in_session(client) == {}


def test_invalid_update_is_refused_and_the_cart_is_unchanged(client, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 2)

    for quantity in ("-1", "100", "lots", ""):
        page = update(client, product, quantity, follow=True)

        assert "Choose a quantity from 0 to 99." in page.content.decode()
    bad_id = client.post("/cart/update/", {"product_id": "abc", "quantity": 1}, follow=True)

    assert "Choose a quantity from 0 to 99." in bad_id.content.decode()
    assert cart_in_session(client) == {str(product["id"]): 2}


def test_cart_pages_need_post(client, stack):
    assert client.get("/cart/update/").status_code == 405
    assert client.get("/cart/remove/").status_code == 405
    assert client.get("/products/anything/add/").status_code == 405


def test_the_cart_re_reads_prices_from_inventory(client, stack):
    product = new_product(stack, on_hand=5, price="10.00")
    add(client, product, 2)
    assert "$20.00" in client.get("/cart/").content.decode()

    changed = call(
        "PATCH", f"{stack.urls['inventory']}/api/products/{product['id']}", {"price": "15.75"}, bearer=stack.shop.admin
    )
    page = client.get("/cart/")

    assert changed.status == 200, changed.body
    line = page.context["cart"].lines[0]
    assert str(line.product.price) == "15.75"
    html = page.content.decode()
    assert "$15.75" in html
    assert "$31.50" in html
    assert "$20.00" not in html


def test_the_cart_shows_a_line_that_ran_short_and_hides_checkout(client, stack):
    product = new_product(stack, on_hand=3)
    add(client, product, 3)

    adjusted = call(
        "PUT", f"{stack.urls['inventory']}/api/inventory/{product['sku']}", {"on_hand": 1}, bearer=stack.shop.admin
    )
    page = client.get("/cart/")

    assert adjusted.status == 200, adjusted.body
    html = page.content.decode()
    assert "Only 1 left" in html
    assert "Fix the marked lines to check out." in html
    assert 'href="/checkout/"' not in html
    assert cart_in_session(client) == {str(product["id"]): 3}


def test_the_cart_survives_a_storefront_restart(client, stack):
    product = new_product(stack, on_hand=5)
    add(client, product, 2)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    # A new process: nothing in the cache or in process memory, only the session row in storefront_db.
    cache.clear()
    clear_local()
    restarted = Client()
    restarted.cookies[settings.SESSION_COOKIE_NAME] = cookie
    page = restarted.get("/cart/")

    assert page.status_code == 200
    cart = page.context["cart"]
    assert [(line.product.id, line.quantity) for line in cart.lines] == [(product["id"], 2)]
    assert badge(2) in page.content.decode()
