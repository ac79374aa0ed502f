"""Settings of the payments service: payments, refunds and the simulated card gateway."""

from pathlib import Path

from retail_common import service_settings as conf

# The settings every project shares, by name: conf.__all__ lists them (linters read it).
from retail_common.service_settings import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent
env = conf.env

SERVICE_NAME = "payments"
DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS, STATIC_ROOT = conf.service_settings(SERVICE_NAME, BASE_DIR)

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "billing"]
ROOT_URLCONF = "payments_service.urls"
WSGI_APPLICATION = "payments_service.wsgi.application"

RETAIL = conf.service_retail(SERVICE_NAME, events="billing.events")

# Simulated gateway (docs/architecture.md §4): extra random declines and latency for experiments.
PAYMENT_FAILURE_RATE = env.float("PAYMENT_FAILURE_RATE", default=0.0)
PAYMENT_LATENCY_MS = env.int("PAYMENT_LATENCY_MS", default=0)
