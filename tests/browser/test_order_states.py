"""The order page tells one story while the saga catches up (storefront/shop/order_state.py).

Each state is held still by stopping the consumer that would move the order on, so the page is read in
that state, live (the status box refreshes itself; the tab is never reloaded), then let go.
"""

import contextlib
import re

from retail_dev.shop_client import card_ending


@contextlib.contextmanager
def consumers_stopped(stack, service: str):
    """The service's consumers are down: the events it would act on wait on their topics."""
    stack.stop(f"{service}-consumers")
    try:
        yield
    finally:
        stack.spawn(service, "consumers", "run_consumers")


def box(shop):
    return shop.page.locator("#order-status")


def wait_for_state(shop, key: str):
    """The status box (refreshed in place by its script) shows the state `key`."""
    shop.page.locator(f'#order-status[data-state="{key}"]').wait_for(timeout=60_000)
    return box(shop)


def timeline(shop) -> list[tuple[str, str]]:
    steps = box(shop).locator(".timeline__step")
    return [
        (
            re.search(r"timeline__step--(\w+)", steps.nth(i).get_attribute("class")).group(1),
            steps.nth(i).locator(".timeline__label").inner_text(),
        )
        for i in range(steps.count())
    ]


def check_out(shop, product, card="4242 4242 4242 4242"):
    shop.add_to_cart(product["slug"])
    shop.page.get_by_role("link", name="Checkout").click()
    shop.fill_address(card=card)
    shop.page.get_by_role("button", name=re.compile("Place order")).click()
    shop.page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]{36}/$"))


def test_an_order_walks_through_every_state_with_one_story(shop):
    stack = shop.stack
    product = stack.shop.product(on_hand=5, price="15.00")
    shop.register()

    with consumers_stopped(stack, "orders"):
        with consumers_stopped(stack, "payments"):
            check_out(shop, product)
            status = wait_for_state(shop, "inventory_reserved")
            assert shop.order_status() == "Items reserved"
            assert "We are confirming your payment" in status.inner_text()
            assert status.locator(".payment-box").inner_text().endswith("Waiting for the payment…")
            assert timeline(shop)[1:3] == [("current", "Items reserved"), ("upcoming", "Payment completed")]
            shop.shot("order-state-confirming")
        # Payments captures; orders has not heard yet. The page must not say "confirming" beside "Paid".
        status = wait_for_state(shop, "payment_received")
        text = status.inner_text()
        assert shop.order_status() == "Payment received"
        assert "Payment received, finishing your order" in text
        assert "confirming" not in text.lower()
        assert status.locator(".payment-box .status").inner_text() == "Paid"
        assert timeline(shop) == [
            ("done", "Order received"),
            ("done", "Items reserved"),
            ("current", "Payment received"),
            ("upcoming", "Shipped"),
            ("upcoming", "Delivered"),
        ]
        assert status.get_attribute("data-refresh-url"), "still settling: the box keeps refreshing"
        shop.shot("order-state-payment-received")

    status = wait_for_state(shop, "payment_completed")
    assert shop.order_status() == "Payment completed"
    assert status.get_attribute("data-refresh-url") is None, "settled: nothing left to wait for"
    assert timeline(shop)[2] == ("current", "Payment completed")

    with consumers_stopped(stack, "payments"):
        shop.page.get_by_role("link", name="Cancel order").click()
        shop.page.get_by_role("button", name="Yes, cancel the order").click()
        status = wait_for_state(shop, "cancelled")
        assert shop.order_status() == "Cancelled"
        assert "Your refund is on its way" in status.inner_text()
        assert status.locator(".payment-box .status").inner_text() == "Refund pending"
        assert timeline(shop)[-1] == ("stopped", "Cancelled")
        shop.shot("order-state-refund-pending")

    shop.page.locator("#order-status .payment-box", has_text="Refunded").wait_for(timeout=60_000)
    status = box(shop)
    assert shop.order_status() == "Cancelled"
    assert "refund is on its way" not in status.inner_text()
    assert status.get_attribute("data-refresh-url") is None


def test_a_declined_payment_is_said_before_the_order_catches_up(shop):
    stack = shop.stack
    product = stack.shop.product(on_hand=5, price="8.00")
    shop.register()

    with consumers_stopped(stack, "orders"):
        check_out(shop, product, card=card_ending("0002"))
        status = wait_for_state(shop, "payment_declined")
        assert shop.order_status() == "Payment declined"
        assert "Your payment was declined, updating your order" in status.inner_text()
        assert status.locator(".payment-box .status").inner_text() == "Declined"
        shop.shot("order-state-declined")

    wait_for_state(shop, "payment_failed")
    assert shop.order_status() == "Payment failed"
    assert timeline(shop)[-1] == ("stopped", "Payment failed")
