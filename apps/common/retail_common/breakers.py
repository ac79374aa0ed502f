"""Circuit breakers (pybreaker) that report their state as `retail_circuit_breaker_state{name}`."""

from __future__ import annotations

import logging

import pybreaker
from prometheus_client import Gauge

logger = logging.getLogger("retail_common.breakers")

# livemax: with several gunicorn workers, the worst breaker of a name is the one to see.
BREAKER_STATE = Gauge(
    "retail_circuit_breaker_state", "0 closed, 1 half-open, 2 open.", ["name"], multiprocess_mode="livemax"
)


class BreakerMetricListener(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state):
        BREAKER_STATE.labels(name=cb.name).set({"closed": 0, "half-open": 1, "open": 2}[new_state.name])
        logger.warning("circuit breaker %s is now %s", cb.name, new_state.name)


def metered_breaker(name: str, *, fail_max: int, reset_timeout: float, exclude=()) -> pybreaker.CircuitBreaker:
    BREAKER_STATE.labels(name=name).set(0)  # a breaker is closed, and seen, before its first change
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_timeout,
        name=name,
        exclude=list(exclude),
        listeners=[BreakerMetricListener()],
    )
