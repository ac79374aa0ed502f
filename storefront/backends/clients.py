"""The storefront's one client per backend, built from settings on first use (reset when settings change)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed

from backends.inventory import InventoryClient
from backends.orders import OrdersClient
from backends.payments import PaymentsClient
from backends.users import UsersClient

_clients: dict = {}
_lock = threading.Lock()
_KINDS = {"users": UsersClient, "inventory": InventoryClient, "orders": OrdersClient, "payments": PaymentsClient}


def _client(name: str):
    client = _clients.get(name)
    if client is None:
        with _lock:
            client = _clients.get(name)
            if client is None:
                options = {
                    "timeout": settings.BACKEND_TIMEOUT_SECONDS,
                    "connect_timeout": settings.BACKEND_CONNECT_TIMEOUT_SECONDS,
                    "fail_max": settings.BACKEND_BREAKER_FAIL_MAX,
                    "reset_timeout": settings.BACKEND_BREAKER_RESET_SECONDS,
                }
                if name == "inventory":
                    options["fresh_seconds"] = settings.CATALOG_FRESH_SECONDS
                    options["product_fresh_seconds"] = settings.PRODUCT_FRESH_SECONDS
                client = _clients[name] = _KINDS[name](settings.STOREFRONT_BACKENDS[name], **options)
    return client


def users() -> UsersClient:
    return _client("users")


def inventory() -> InventoryClient:
    return _client("inventory")


def orders() -> OrdersClient:
    return _client("orders")


def payments() -> PaymentsClient:
    return _client("payments")


def by_service(name: str):
    return _client(name)


SERVICES = tuple(_KINDS)


def reset_clients(**kwargs) -> None:
    with _lock:
        _clients.clear()


setting_changed.connect(reset_clients)
