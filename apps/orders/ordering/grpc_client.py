"""Inventory's gRPC client: one deadline per call, gRPC's retryPolicy while UNAVAILABLE, a circuit breaker."""

from __future__ import annotations

import json
import logging
import threading
import uuid

import grpc
import pybreaker
from django.conf import settings

from retail_common.breakers import metered_breaker
from retail_protos.inventory.v1 import inventory_pb2 as pb
from retail_protos.inventory.v1 import inventory_pb2_grpc

logger = logging.getLogger("ordering.grpc")


class InventoryUnavailable(Exception):
    """Inventory did not answer (down, or the breaker is open): nothing was reserved."""


class InventoryOutcomeUnknown(Exception):
    """The deadline passed: the reservation may or may not exist, so it must be released."""


_lock = threading.Lock()
_stub: inventory_pb2_grpc.InventoryServiceStub | None = None
_breaker: pybreaker.CircuitBreaker | None = None


def service_config() -> str:
    """gRPC's own retries: UNAVAILABLE only (nothing reached inventory), backoff from 50 ms doubling.

    The attempts share the call's one deadline (INVENTORY_GRPC_DEADLINE_SECONDS): a retry never
    extends how long order creation can wait on inventory. DEADLINE_EXCEEDED is not retried: the
    outcome is unknown and the saga releases the reservation instead.
    """
    retry = {
        "maxAttempts": settings.INVENTORY_GRPC_ATTEMPTS,  # gRPC caps it at 5
        "initialBackoff": "0.05s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps(
        {"methodConfig": [{"name": [{"service": "retail.inventory.v1.InventoryService"}], "retryPolicy": retry}]}
    )


def stub() -> inventory_pb2_grpc.InventoryServiceStub:
    global _stub
    with _lock:
        if _stub is None:
            options = [
                # Reconnect quickly once inventory is back (gRPC's default backoff grows to two minutes).
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 2000),
                ("grpc.enable_retries", 1),
                ("grpc.service_config", service_config()),
            ]
            channel = grpc.insecure_channel(settings.INVENTORY_GRPC_TARGET, options=options)
            _stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        return _stub


def breaker() -> pybreaker.CircuitBreaker:
    global _breaker
    with _lock:
        if _breaker is None:
            _breaker = metered_breaker(
                "inventory-grpc",
                fail_max=settings.INVENTORY_BREAKER_FAIL_MAX,
                reset_timeout=settings.INVENTORY_BREAKER_RESET_SECONDS,
                exclude=[InventoryOutcomeUnknown],
            )
        return _breaker


def reset_client() -> None:
    global _stub, _breaker
    with _lock:
        _stub, _breaker = None, None


def _call(method: str, request):
    """One RPC under one deadline; the channel retries UNAVAILABLE within it (every inventory call is idempotent)."""
    try:
        return getattr(stub(), method)(request, timeout=settings.INVENTORY_GRPC_DEADLINE_SECONDS)
    except grpc.RpcError as exc:
        code = exc.code()
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise InventoryOutcomeUnknown(f"{method}: no answer within the deadline") from exc
        if code == grpc.StatusCode.UNAVAILABLE:  # after the retry policy's attempts
            raise InventoryUnavailable(f"{method}: inventory unavailable ({exc.details()})") from exc
        raise


def guarded(method: str, request):
    try:
        return breaker().call(_call, method, request)
    except pybreaker.CircuitBreakerError as exc:
        raise InventoryUnavailable("inventory circuit breaker is open") from exc


def stock_reserve(*, order_id: uuid.UUID, items: list[tuple[int, int]]):
    request = pb.ReserveStockRequest(
        order_id=str(order_id), items=[pb.Item(product_id=p, quantity=q) for p, q in items]
    )
    return guarded("ReserveStock", request)


def stock_release(*, order_id: uuid.UUID, reason: str) -> bool | None:
    """Best effort: None when inventory cannot be reached (the order-cancelled event releases it later)."""
    try:
        return guarded("ReleaseStock", pb.ReleaseStockRequest(order_id=str(order_id), reason=reason)).released
    except (InventoryUnavailable, InventoryOutcomeUnknown, grpc.RpcError) as exc:
        logger.warning("ReleaseStock failed for %s: %s", order_id, exc)
        return None
