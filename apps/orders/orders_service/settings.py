"""Settings of the orders service: orders, the saga's state, stock reservation over gRPC."""

from pathlib import Path

from retail_common import service_settings as conf

# The settings every project shares, by name: conf.__all__ lists them (linters read it).
from retail_common.service_settings import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent
env = conf.env

SERVICE_NAME = "orders"
DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS, STATIC_ROOT = conf.service_settings(SERVICE_NAME, BASE_DIR)

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "ordering"]
ROOT_URLCONF = "orders_service.urls"
WSGI_APPLICATION = "orders_service.wsgi.application"

RETAIL = conf.service_retail(SERVICE_NAME, events="ordering.events")

# Inventory's gRPC server; every call has a deadline and is retried while UNAVAILABLE.
INVENTORY_GRPC_TARGET = env("INVENTORY_GRPC_TARGET", default="127.0.0.1:50051")
INVENTORY_GRPC_DEADLINE_SECONDS = env.float("INVENTORY_GRPC_DEADLINE_SECONDS", default=2.0)
INVENTORY_GRPC_ATTEMPTS = env.int("INVENTORY_GRPC_ATTEMPTS", default=3)
INVENTORY_BREAKER_FAIL_MAX = env.int("INVENTORY_BREAKER_FAIL_MAX", default=5)
INVENTORY_BREAKER_RESET_SECONDS = env.float("INVENTORY_BREAKER_RESET_SECONDS", default=10.0)

# Orders stuck in INVENTORY_RESERVED longer than this are cancelled by sweep_orders.
ORDER_PAYMENT_TIMEOUT_SECONDS = env.int("ORDER_PAYMENT_TIMEOUT_SECONDS", default=15 * 60)
ORDERS_RATE_CREATE_PER_USER = env("ORDERS_RATE_CREATE_PER_USER", default="30/m")
