"""Fixed-window rate limits on the shared Redis (django-ratelimit), raised as 429 + Retry-After."""

from __future__ import annotations

from collections.abc import Callable

from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def enforce_rate_limit(request, *, group: str, rate: str, key: Callable[[str, object], str]) -> None:
    """Count this request against `group`'s limit; raise Throttled (429) once it is exceeded."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        raise Throttled(wait=max(1, int(usage["time_left"])))
