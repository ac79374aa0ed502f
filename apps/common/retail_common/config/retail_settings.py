"""The library's one namespaced setting, `RETAIL = {...}`, read lazily (DRF style)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.conf import settings
from django.core.signals import setting_changed


@dataclass(frozen=True)
class RetailSettings:
    SERVICE_NAME: str = "retail"
    # Event backbone (docs/architecture.md §6).
    KAFKA_BOOTSTRAP_SERVERS: str = "127.0.0.1:59092"
    TOPIC_PREFIX: str = ""
    TOPIC_PARTITIONS: int = 3
    RETRY_TOPIC_PARTITIONS: int = 1  # retry and dead-letter topics
    EXTRA_SUBSCRIPTIONS: dict = None  # type: ignore[assignment]  # {topic: [group, ...]} beyond the saga's
    EVENT_HANDLER_MODULES: tuple = ()  # modules whose import registers this service's handlers
    PUBLISH_TIMEOUT_SECONDS: float = 0.5  # longest the after-commit send waits for the broker
    PUBLISH_IN_BACKGROUND: bool = True  # the after-commit send runs in a sender thread, not in the request
    BREAKER_FAIL_MAX: int = 3
    BREAKER_RESET_SECONDS: float = 10.0
    OUTBOX_RETENTION_HOURS: int = 168
    # How long the relay leaves a fresh event to the after-commit sender (a failed send hands it over at once).
    OUTBOX_RELAY_GRACE_SECONDS: float = 2.0
    CONSUMER_FETCH_WAIT_MS: int = 20  # longest a consumer's fetch waits on the broker when there is nothing new
    CONSUMER_HEARTBEAT_FILE: str = ""  # touched by run_consumers each loop: a liveness probe reads its age
    # Dotted paths of readiness checks run by /readyz, each `() -> None` raising when down.
    READINESS_CHECKS: tuple = (
        "retail_common.health.check_postgres",
        "retail_common.health.check_redis",
    )

    def __post_init__(self):
        if self.EXTRA_SUBSCRIPTIONS is None:
            object.__setattr__(self, "EXTRA_SUBSCRIPTIONS", {})


_cached: RetailSettings | None = None


def retail_settings() -> RetailSettings:
    global _cached
    if _cached is None:
        configured = getattr(settings, "RETAIL", {})
        known = {f.name for f in fields(RetailSettings)}
        _cached = RetailSettings(**{k: v for k, v in configured.items() if k in known})
    return _cached


def unknown_retail_settings() -> list[str]:
    known = {f.name for f in fields(RetailSettings)}
    return sorted(set(getattr(settings, "RETAIL", {})) - known)


def _reload(*, setting, **kwargs) -> None:
    # Clients built from these settings (the Kafka producer, the token verifier) connect their own receivers.
    global _cached
    if setting == "RETAIL":
        _cached = None


setting_changed.connect(_reload)
