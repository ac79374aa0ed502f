"""Liveness (/healthz) and readiness (/readyz) endpoints.

Readiness runs the configured checks; any failure answers 503 naming what is down.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from retail_common.config.retail_settings import retail_settings

logger = logging.getLogger("retail_common.health")


def check_postgres() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def check_redis() -> None:
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        # Ping the server directly: the cache itself may be set to swallow errors.
        client.get_client(write=True).ping()
    else:
        cache.set("retail:readyz", "1", 5)


def check_broker() -> None:
    from retail_common.events.kafka import broker_ping

    broker_ping(timeout=1.0)


def check_name(path: str) -> str:
    return path.rsplit(".", 1)[-1].removeprefix("check_")


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok", "service": retail_settings().SERVICE_NAME})


@never_cache
@require_GET
def readyz(request):
    results: dict[str, str] = {}
    down: list[str] = []
    for path in retail_settings().READINESS_CHECKS:
        name = check_name(path)
        try:
            import_string(path)()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; say which and why
            results[name] = f"down: {exc.__class__.__name__}: {exc}".strip()
            down.append(name)
            logger.warning("readiness check failed", extra={"check": name, "error": str(exc)})
    body = {"status": "ok" if not down else "unavailable", "checks": results}
    if down:
        body["detail"] = f"Not ready: {', '.join(down)} {'is' if len(down) == 1 else 'are'} down."
        body["code"] = "not_ready"
    return JsonResponse(body, status=503 if down else 200)
