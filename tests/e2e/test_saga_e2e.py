"""The order saga end to end, over real HTTP, gRPC and Kafka between real processes."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from retail_dev.shop_client import call, card_ending, token

TERMINAL = {"PAYMENT_COMPLETED", "PAYMENT_FAILED", "CANCELLED"}


def settled(stack, bearer, order_id, wanted):
    return stack.shop.wait(lambda: stack.shop.order_status(bearer, order_id), lambda o: o["status"] == wanted)


def terminal(stack, bearer, order_id):
    return stack.shop.wait(lambda: stack.shop.order_status(bearer, order_id), lambda o: o["status"] in TERMINAL)


def test_happy_path(stack):
    product = stack.shop.product(on_hand=10, price="12.50")
    shopper = token()
    made_up = {"unit_price": "0.01", "total": "0.01"}  # a client's prices are ignored
    placed = stack.shop.order(shopper, [(product["id"], 2)], key="happy-1", extra=made_up)
    assert placed.status == 201, placed.body
    assert placed.body["status"] == "INVENTORY_RESERVED"
    assert placed.body["total"] == "25.00"
    assert placed.body["items"][0]["unit_price"] == "12.50"

    order = settled(stack, shopper, placed.body["id"], "PAYMENT_COMPLETED")
    assert order["status"] == "PAYMENT_COMPLETED"
    payments = stack.shop.payments_of(order["id"])
    assert [(p["status"], p["amount"]) for p in payments] == [("CAPTURED", "25.00")]
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 8)
    assert stock == {"sku": product["sku"], "on_hand": 8, "reserved": 0, "available": 8}

    again = stack.shop.order(shopper, [(product["id"], 2)], key="happy-1")
    assert (again.status, again.body["id"]) == (200, order["id"]), "same key, same order"


def test_declined_card_releases_the_stock(stack):
    product = stack.shop.product(on_hand=5)
    shopper = token()
    placed = stack.shop.order(shopper, [(product["id"], 3)], card=card_ending("0002"))
    assert placed.status == 201
    order = settled(stack, shopper, placed.body["id"], "PAYMENT_FAILED")
    assert order["status"] == "PAYMENT_FAILED"
    assert [(p["status"], p["decline_reason"]) for p in stack.shop.payments_of(order["id"])] == [
        ("DECLINED", "card_declined")
    ]
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["reserved"] == 0)
    assert (stock["on_hand"], stock["reserved"]) == (5, 0)


def test_out_of_stock_is_409_and_nothing_follows(stack):
    product = stack.shop.product(on_hand=1)
    shopper = token()
    placed = stack.shop.order(shopper, [(product["id"], 2)], card="4242 4242 4242 4242")
    assert placed.status == 409
    assert (placed.body["status"], placed.body["cancel_reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    assert placed.body["unavailable"] == [
        {"product_id": product["id"], "requested": 2, "available": 1, "reason": "OUT_OF_STOCK"}
    ]
    assert stack.shop.stock(product["sku"])["reserved"] == 0
    assert stack.shop.payments_of(placed.body["id"]) == []


def test_cancel_after_payment_refunds_and_restocks(stack):
    product = stack.shop.product(on_hand=4)
    shopper = token()
    placed = stack.shop.order(shopper, [(product["id"], 1)])
    settled(stack, shopper, placed.body["id"], "PAYMENT_COMPLETED")
    stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 3)

    cancelled = call("POST", f"{stack.urls['orders']}/api/orders/{placed.body['id']}/cancel", bearer=shopper)
    assert (cancelled.status, cancelled.body["status"]) == (200, "CANCELLED")
    refunded = stack.shop.wait(
        lambda: stack.shop.payments_of(placed.body["id"]), lambda ps: ps and ps[0]["status"] == "REFUNDED"
    )
    assert [p["status"] for p in refunded] == ["REFUNDED"]
    assert stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 4)["on_hand"] == 4
    timeline = stack.shop.wait(
        lambda: stack.shop.order_status(shopper, placed.body["id"]),
        lambda o: "REFUNDED" in [h["status"] for h in o["status_history"]],
    )
    assert [h["status"] for h in timeline["status_history"]][-2:] == ["CANCELLED", "REFUNDED"]
    second = call("POST", f"{stack.urls['orders']}/api/orders/{placed.body['id']}/cancel", bearer=shopper)
    assert second.status == 409


def test_other_users_orders_and_payments_are_404(stack):
    product = stack.shop.product(on_hand=3)
    owner, stranger = token(), token()
    placed = stack.shop.order(owner, [(product["id"], 1)])
    settled(stack, owner, placed.body["id"], "PAYMENT_COMPLETED")
    assert call("GET", f"{stack.urls['orders']}/api/orders/{placed.body['id']}", bearer=stranger).status == 404
    payment_id = stack.shop.payments_of(placed.body["id"])[0]["id"]
    assert call("GET", f"{stack.urls['payments']}/api/payments/{payment_id}", bearer=stranger).status == 404
    assert call("GET", f"{stack.urls['payments']}/api/payments/{payment_id}", bearer=owner).status == 200


def test_hundred_concurrent_orders_for_twenty_five_units(stack):
    product = stack.shop.product(on_hand=25, price="3.00")
    shoppers = [token(uuid.uuid4()) for _ in range(100)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda s: stack.shop.order(s, [(product["id"], 1)]), shoppers))
    statuses = [a.status for a in answers]
    assert not [s for s in statuses if s >= 500], statuses
    accepted = [(s, a.body["id"]) for s, a in zip(shoppers, answers, strict=True) if a.status == 201]
    assert len(accepted) == 25
    assert statuses.count(409) == 75
    for shopper, order_id in accepted:
        assert settled(stack, shopper, order_id, "PAYMENT_COMPLETED")["status"] == "PAYMENT_COMPLETED"
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 0)
    assert (stock["on_hand"], stock["reserved"]) == (0, 0)
    captured = [p for _, order_id in accepted for p in stack.shop.payments_of(order_id) if p["status"] == "CAPTURED"]
    assert len(captured) == 25


def test_inventory_grpc_down_is_a_quick_503_and_leaks_nothing(stack):
    product = stack.shop.product(on_hand=5)
    shopper = token()
    stack.stop("inventory-grpc")
    try:
        answer = stack.shop.order(shopper, [(product["id"], 1)])
        assert answer.status == 503
        assert answer.body["code"] == "service_unavailable"
    finally:
        stack.start_grpc()
    # The cancelled order's order-cancelled event reaches inventory; nothing stays reserved.
    assert stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["reserved"] == 0)["reserved"] == 0
    # Once the breaker lets calls through again (INVENTORY_BREAKER_RESET_SECONDS), orders are taken.
    placed = stack.shop.wait(
        lambda: stack.shop.order(shopper, [(product["id"], 1)]), lambda a: a.status == 201, timeout=30
    )
    assert placed.status == 201, "inventory is back"
    stock = stack.shop.stock(product["sku"])
    # Held for the order, or already confirmed if its payment completed before this read.
    assert (stock["reserved"], stock["on_hand"]) in {(1, 5), (0, 4)}


def test_payments_consumer_killed_mid_run_loses_nothing_and_charges_once(stack):
    import signal

    product = stack.shop.product(on_hand=100, price="2.00")
    shoppers = [token(uuid.uuid4()) for _ in range(30)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        placing = pool.map(lambda s: (s, stack.shop.order(s, [(product["id"], 1)])), shoppers)
        stack.stop("payments-consumers", signal.SIGKILL)  # crash while order-created events flow
        placed = list(placing)
    assert all(answer.status == 201 for _, answer in placed)
    stack.spawn("payments", "consumers", "run_consumers")

    for shopper, answer in placed:
        assert terminal(stack, shopper, answer.body["id"])["status"] == "PAYMENT_COMPLETED"
        assert len(stack.shop.payments_of(answer.body["id"])) == 1
    stock = stack.shop.wait(lambda: stack.shop.stock(product["sku"]), lambda s: s["on_hand"] == 70)
    assert (stock["on_hand"], stock["reserved"]) == (70, 0)


def test_broker_down_for_ten_seconds_orders_still_accepted_and_the_saga_completes(stack):
    import time

    product = stack.shop.product(on_hand=20)
    shoppers = [token(uuid.uuid4()) for _ in range(5)]
    stack.broker.stop()
    stopped = time.monotonic()
    placed = [(s, stack.shop.order(s, [(product["id"], 1)])) for s in shoppers]
    assert [answer.status for _, answer in placed] == [201] * 5, "checkout works without the broker"
    stack.broker_restart_after(max(0.0, 10 - (time.monotonic() - stopped)))
    for shopper, answer in placed:
        final = stack.shop.wait(
            lambda b=shopper, o=answer.body["id"]: stack.shop.order_status(b, o),
            lambda o: o["status"] in TERMINAL,
            timeout=120,
        )
        assert final["status"] == "PAYMENT_COMPLETED"
        assert len(stack.shop.payments_of(answer.body["id"])) == 1
    # The broker came back empty and its topics were recreated: every consumer got its partitions back.
    later = stack.shop.order(shoppers[0], [(product["id"], 1)])
    assert later.status == 201
    assert settled(stack, shoppers[0], later.body["id"], "PAYMENT_COMPLETED")["status"] == "PAYMENT_COMPLETED"
