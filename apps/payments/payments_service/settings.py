"""Settings of the payments service: payments, refunds and the simulated card gateway."""

from pathlib import Path

from retail_common import conf
from retail_common.conf import (  # the settings every project shares, by name
    ALLOWED_HOSTS,
    CSRF_COOKIE_SECURE,
    DEBUG,
    DEFAULT_AUTO_FIELD,
    DJANGO_REDIS_IGNORE_EXCEPTIONS,
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS,
    LANGUAGE_CODE,
    MIDDLEWARE,
    RATELIMIT_FAIL_OPEN,
    RATELIMIT_USE_CACHE,
    REST_FRAMEWORK,
    SECRET_KEY,
    SECURE_CONTENT_TYPE_NOSNIFF,
    SESSION_COOKIE_HTTPONLY,
    SESSION_COOKIE_SECURE,
    SIMPLE_JWT,
    STATIC_URL,
    TEMPLATES,
    TIME_ZONE,
    TRUSTED_PROXY_CIDRS,
    USE_I18N,
    USE_TZ,
    WHITENOISE_USE_FINDERS,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env = conf.env

SERVICE_NAME = "payments"
DATABASES = conf.service_databases(SERVICE_NAME)
CACHES = conf.service_caches(SERVICE_NAME)
LOGGING = conf.logging_config(SERVICE_NAME)
SPECTACULAR_SETTINGS = conf.service_spectacular_settings(SERVICE_NAME)
STATIC_ROOT = conf.service_static_root(BASE_DIR)

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "billing"]
ROOT_URLCONF = "payments_service.urls"
WSGI_APPLICATION = "payments_service.wsgi.application"

RETAIL = conf.service_retail(
    SERVICE_NAME,
    EVENT_HANDLER_MODULES=("billing.events",),
    READINESS_CHECKS=conf.READINESS_CHECKS_WITH_BROKER,
)

# Simulated gateway (docs/architecture.md §4): extra random declines and latency for experiments.
PAYMENT_FAILURE_RATE = env.float("PAYMENT_FAILURE_RATE", default=0.0)
PAYMENT_LATENCY_MS = env.int("PAYMENT_LATENCY_MS", default=0)
