"""retail_dev.testing.poll, the one bounded wait of the tests: the value once it holds, else an
AssertionError that says what was awaited and what was seen last."""

import pytest

from retail_dev.shop_client import ShopClient
from retail_dev.testing import poll


def test_the_first_truthy_value_is_returned():
    values = iter([0, "", 3, 4])
    assert poll(lambda: next(values), interval=0) == 3


def test_with_until_the_first_value_it_holds_for_is_returned():
    values = iter([1, 2, 5, 6])
    assert poll(lambda: next(values), until=lambda v: v > 4, interval=0) == 5


def test_a_timeout_names_what_was_awaited_and_the_last_value_seen():
    statuses = iter(["PENDING", "INVENTORY_RESERVED"])
    with pytest.raises(AssertionError) as raised:
        poll(lambda: next(statuses), until=lambda s: s == "PAID", timeout=0, interval=0, message="the order is paid")
    assert str(raised.value) == "the order is paid: not within 0s (last value seen: 'PENDING')"


def test_a_callable_message_is_asked_only_on_timeout():
    asked = []

    def message() -> str:
        asked.append(True)
        return "the server ready; its log: bind failed"

    assert poll(lambda: "up", message=message) == "up"
    assert asked == []
    with pytest.raises(AssertionError) as raised:
        poll(lambda: None, timeout=0, message=message)
    assert str(raised.value) == "the server ready; its log: bind failed: not within 0s (last value seen: None)"


def test_the_shop_clients_wait_reports_the_processes_before_it_fails():
    reported = []
    shop = ShopClient(urls={}, admin="not used", on_timeout=lambda: reported.append("processes' last lines"))
    assert shop.wait(lambda: {"status": "PAID"}, lambda o: o["status"] == "PAID") == {"status": "PAID"}
    assert reported == []
    with pytest.raises(AssertionError) as raised:
        pending = {"status": "PENDING"}
        shop.wait(lambda: pending, lambda o: o["status"] == "PAID", timeout=0, message="the order is paid")
    assert str(raised.value) == "the order is paid: not within 0s (last value seen: {'status': 'PENDING'})"
    assert reported == ["processes' last lines"]
