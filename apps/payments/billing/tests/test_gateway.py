"""The simulated gateway: the card's last four digits decide, then the configured failure rate."""

import uuid

import pytest

from billing.gateway import GatewayResult, gateway_charge


def charge(**kwargs) -> GatewayResult:
    return gateway_charge(idempotency_key=uuid.uuid4().hex, amount="10.00", currency="USD", **kwargs)


@pytest.mark.parametrize(
    ("last4", "result"),
    [
        ("4242", GatewayResult(captured=True)),
        ("0002", GatewayResult(captured=False, decline_reason="card_declined")),
        ("9995", GatewayResult(captured=False, decline_reason="insufficient_funds")),
    ],
)
def test_the_last_four_digits_decide(settings, last4, result):
    settings.PAYMENT_FAILURE_RATE = 0
    assert charge(last4=last4) == result


def test_a_failure_rate_of_one_declines_every_good_card_but_names_card_declines_first(settings):
    settings.PAYMENT_FAILURE_RATE = 1.0
    assert gateway_charge(
        idempotency_key=uuid.uuid4().hex, last4="4242", amount="10.00", currency="USD"
    ) == GatewayResult(captured=False, decline_reason="gateway_declined")
    assert charge(last4="0002").decline_reason == "card_declined"
