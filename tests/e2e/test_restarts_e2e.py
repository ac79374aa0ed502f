"""A process that dies under the stack's supervisor (the one `manage_all.py dev` uses) comes back by
itself, and the saga it was part of finishes."""

import os
import signal

from retail_dev.shop_client import token


def test_a_killed_orders_consumer_is_restarted_and_finishes_the_saga(stack):
    consumer = stack.launcher.supervisor.child("orders-consumers")
    restarts_before, killed_pid = consumer.restarts, consumer.process.pid
    product = stack.shop.product(on_hand=5, price="4.00")
    shopper = token()

    os.killpg(killed_pid, signal.SIGKILL)  # a crash: nobody tells the supervisor
    placed = stack.shop.order(shopper, [(product["id"], 2)])
    assert (placed.status, placed.body["status"]) == (201, "INVENTORY_RESERVED")

    # payment-completed can only reach the order through the restarted consumer.
    order = stack.shop.wait(
        lambda: stack.shop.order_status(shopper, placed.body["id"]),
        lambda o: o["status"] == "PAYMENT_COMPLETED",
        timeout=120,
    )
    assert order["status"] == "PAYMENT_COMPLETED"
    assert (consumer.restarts, consumer.state, consumer.last_exit) == (restarts_before + 1, "running", -9)
    assert consumer.process.pid != killed_pid
    assert "[supervisor] orders-consumers exited with code -9 (SIGKILL); restarting in 1s" in "\n".join(consumer.tail)
    assert [(p["status"], p["amount"]) for p in stack.shop.payments_of(order["id"])] == [("CAPTURED", "8.00")]
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 3)
    assert stock == {"sku": product["sku"], "on_hand": 3, "reserved": 0, "available": 3}
