"""The simulated card gateway of docs/architecture.md §4. It sees what payments stores: brand and last four."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from retail_common.domain.codes import DeclineReason

DECLINING_LAST4 = {"0002": DeclineReason.CARD_DECLINED, "9995": DeclineReason.INSUFFICIENT_FUNDS}


@dataclass(frozen=True)
class GatewayResult:
    captured: bool
    decline_reason: str = ""


# A real provider keeps an idempotency key's answer about a day (Stripe: 24 h); the simulator keeps it
# in Redis, its own store, outside payments' database transactions.
IDEMPOTENCY_SECONDS = 24 * 3600


def gateway_charge(*, idempotency_key: str, last4: str, amount, currency: str) -> GatewayResult:
    """Capture unless the card's last four digits say otherwise, or the configured failure rate strikes.

    The same idempotency key answers the first call's result and charges nothing more, as a real
    provider's key does: payments calls with the order id, so a crash between a charge and its record
    (the event is redelivered) never charges twice. With Redis down the simulator cannot remember
    (it decides afresh): a simulation's degradation, not a provider's."""
    if settings.PAYMENT_LATENCY_MS:
        time.sleep(settings.PAYMENT_LATENCY_MS / 1000)
    result = _decide(last4)
    key = f"gateway:charge:{idempotency_key}"
    if cache.add(key, (result.captured, result.decline_reason), IDEMPOTENCY_SECONDS):
        return result
    remembered = cache.get(key)
    return result if remembered is None else GatewayResult(*remembered)


def _decide(last4: str) -> GatewayResult:
    if last4 in DECLINING_LAST4:
        return GatewayResult(captured=False, decline_reason=DECLINING_LAST4[last4])
    if settings.PAYMENT_FAILURE_RATE and random.random() < settings.PAYMENT_FAILURE_RATE:  # noqa: S311 (simulation)
        return GatewayResult(captured=False, decline_reason=DeclineReason.GATEWAY_DECLINED)
    return GatewayResult(captured=True)
