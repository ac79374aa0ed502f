"""Fixed-window rate limits on the shared Redis (django-ratelimit), raised as 429 + Retry-After."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled


@functools.cache
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted_proxies() -> tuple:
    from django.conf import settings

    return _networks(tuple(getattr(settings, "TRUSTED_PROXY_CIDRS", ("127.0.0.1/32", "::1/128"))))


def client_ip(request) -> str:
    """The shopper's address: REMOTE_ADDR, or the last X-Forwarded-For hop a trusted proxy (the storefront) added.

    Without this every shopper behind the storefront would share one login limit.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded:
        return remote
    try:
        trusted = any(ipaddress.ip_address(remote) in net for net in _trusted_proxies())
    except ValueError:
        return remote
    hop = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(hop)) if trusted else remote
    except ValueError:
        return remote


def enforce_rate_limit(request, *, group: str, rate: str, key: Callable[[str, object], str]) -> None:
    """Count this request against `group`'s limit; raise Throttled (429) once it is exceeded."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        raise Throttled(wait=max(1, int(usage["time_left"])))
