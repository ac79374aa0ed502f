"""The simulated card gateway of docs/architecture.md §4. It sees what payments stores: brand and last four."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.conf import settings

DECLINING_LAST4 = {"0002": "card_declined", "9995": "insufficient_funds"}


@dataclass(frozen=True)
class GatewayResult:
    captured: bool
    decline_reason: str = ""


def gateway_charge(*, last4: str, amount, currency: str) -> GatewayResult:
    """Capture unless the card's last four digits say otherwise, or the configured failure rate strikes."""
    if settings.PAYMENT_LATENCY_MS:
        time.sleep(settings.PAYMENT_LATENCY_MS / 1000)
    if last4 in DECLINING_LAST4:
        return GatewayResult(captured=False, decline_reason=DECLINING_LAST4[last4])
    if settings.PAYMENT_FAILURE_RATE and random.random() < settings.PAYMENT_FAILURE_RATE:  # noqa: S311 (simulation)
        return GatewayResult(captured=False, decline_reason="gateway_declined")
    return GatewayResult(captured=True)
