"""A shopper's journeys through the real shop in Chromium: buy, get declined, cancel, and all by keyboard."""

import re

from retail_dev.shop_client import card_ending


def test_register_search_add_two_products_change_quantity_and_pay(shop):
    page = shop.page
    shop.go("/")
    shop.shot("home")
    shop.register()
    assert page.get_by_text("Your account is ready").is_visible()

    page.get_by_label("Search products").fill("candle")
    page.get_by_role("banner").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*/products/\?q=candle"))
    shop.shot("search-results")
    results = page.locator(".product-card a")
    assert results.count() >= 1
    results.first.click()
    shop.shot("product")
    page.get_by_role("button", name="Add to cart").click()

    shop.go("/products/?category=books")
    shop.shot("category")
    page.locator(".product-card a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(shop.base_url + "/cart/")
    assert page.locator(".cart-line").count() == 2

    first_line = page.locator(".cart-line").first
    first_line.get_by_role("spinbutton").fill("2")
    first_line.get_by_role("button", name="Update").click()
    assert page.locator(".badge").inner_text() == "3"
    shop.shot("cart")

    page.get_by_role("link", name="Checkout").click()
    shop.fill_address()
    shop.shot("checkout")
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]{36}/$"))
    shop.wait_for_status("Payment completed")
    assert page.locator(".payment-box").get_by_text("Paid").is_visible()
    assert page.locator(".badge").inner_text() == "0"
    shop.shot("order-paid")

    shop.go("/orders/")
    assert page.locator("tbody tr").count() == 1
    shop.shot("orders")


def test_a_declined_card_shows_the_failure_and_the_stock_returns(shop):
    product = shop.stack.shop.product(on_hand=5, price="30.00")
    shop.register()
    shop.add_to_cart(product["slug"], 2)
    shop.page.get_by_role("link", name="Checkout").click()
    shop.fill_address(card=card_ending("0002"))
    shop.page.get_by_role("button", name=re.compile("Place order")).click()

    shop.wait_for_status("Payment failed")
    assert shop.page.get_by_text("the card was declined").is_visible()
    shop.shot("order-declined")
    stock = shop.stack.shop.wait(lambda: shop.stack.shop.stock(product["sku"]), lambda s: s["reserved"] == 0)
    assert stock == {"sku": product["sku"], "on_hand": 5, "reserved": 0, "available": 5}


def test_cancel_a_paid_order(shop):
    product = shop.stack.shop.product(on_hand=3, price="12.00")
    shop.register()
    shop.add_to_cart(product["slug"])
    shop.page.get_by_role("link", name="Checkout").click()
    shop.fill_address()
    shop.page.get_by_role("button", name=re.compile("Place order")).click()
    shop.wait_for_status("Payment completed")

    shop.page.get_by_role("link", name="Cancel order").click()
    assert shop.page.get_by_text("will be refunded").is_visible()
    shop.shot("cancel-confirm")
    shop.page.get_by_role("button", name="Yes, cancel the order").click()

    assert shop.order_status() == "Cancelled"
    # The refund is asynchronous: the status box keeps refreshing itself until it shows.
    shop.page.locator(".payment-box", has_text="Refunded").wait_for(timeout=60_000)
    shop.shot("order-cancelled")
    stock = shop.stack.shop.wait(lambda: shop.stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 3)
    assert stock["on_hand"] == 3 and stock["reserved"] == 0


def test_checkout_with_the_keyboard_only(shop):
    product = shop.stack.shop.product(on_hand=4, price="9.50")
    shop.register()
    page = shop.page
    keyboard = page.keyboard
    shop.go(f"/products/{product['slug']}/")

    page.get_by_label("Quantity").focus()
    keyboard.press("Tab")  # to "Add to cart"
    keyboard.press("Enter")
    page.wait_for_url(shop.base_url + "/cart/")
    page.get_by_role("link", name="Checkout").focus()
    keyboard.press("Enter")
    page.wait_for_url(shop.base_url + "/checkout/")

    page.get_by_label("Full name").focus()
    for text in ("Grace Hopper", "1 Market St", "", "Springfield", "12345"):
        keyboard.type(text)
        keyboard.press("Tab")
    keyboard.press("Tab")  # past the country (United States is chosen)
    keyboard.type("4242424242424242")
    keyboard.press("Enter")  # submits the form

    page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]{36}/$"))
    shop.wait_for_status("Payment completed")
