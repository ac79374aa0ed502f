"""Settings of the storefront: server-rendered shop pages, the ops console, sessions in storefront_db."""

from pathlib import Path

from retail_common import service_settings as conf
from retail_common.config.topology import TOPOLOGY

# The settings every project shares, by name: conf.__all__ lists them (linters read it).
from retail_common.service_settings import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent
env = conf.env

SERVICE_NAME = "storefront"
DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS, STATIC_ROOT = conf.service_settings(SERVICE_NAME, BASE_DIR)
RETAIL = conf.service_retail(SERVICE_NAME)

# The storefront owns no accounts: the shopper is whoever the JWT pair in the session says.
INSTALLED_APPS = [
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "shop",
    "customers",
    "ops_console",
]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "storefront_service.security.ContentSecurityPolicyMiddleware",
    # Before the request id (it echoes a header back) and the session (it looks the cookie up in
    # PostgreSQL): a NUL or control character in path, query, cookie or header is a 400 page here.
    "storefront_service.request_guard.BadInputMiddleware",
    "retail_common.observability.request_logging.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "customers.middleware.ShopperMiddleware",
    "shop.middleware.BackendFailureMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
ROOT_URLCONF = "storefront_service.urls"
WSGI_APPLICATION = "storefront_service.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.messages.context_processors.messages",
                "shop.context.storefront",
            ]
        },
    }
]
STATICFILES_DIRS = [BASE_DIR / "static"]

# Sessions (the JWT pair, the cart) live in storefront_db, read through the cache: they survive restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "retail_session"
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: forms carry it
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The backends (docs/architecture.md §1 ports in dev).
# Each service's URL, its variable named one by one so tests/deploy/settings_reads.py sees which ones the
# cluster must set; by default the service's dev port on this machine, from the topology.
STOREFRONT_BACKENDS = {
    "users": env("USERS_URL", default=f"http://127.0.0.1:{TOPOLOGY.project('users').http_port}"),
    "inventory": env("INVENTORY_URL", default=f"http://127.0.0.1:{TOPOLOGY.project('inventory').http_port}"),
    "orders": env("ORDERS_URL", default=f"http://127.0.0.1:{TOPOLOGY.project('orders').http_port}"),
    "payments": env("PAYMENTS_URL", default=f"http://127.0.0.1:{TOPOLOGY.project('payments').http_port}"),
}
BACKEND_TIMEOUT_SECONDS = env.float("BACKEND_TIMEOUT_SECONDS", default=5.0)
BACKEND_CONNECT_TIMEOUT_SECONDS = env.float("BACKEND_CONNECT_TIMEOUT_SECONDS", default=1.0)
BACKEND_BREAKER_FAIL_MAX = env.int("BACKEND_BREAKER_FAIL_MAX", default=5)
BACKEND_BREAKER_RESET_SECONDS = env.float("BACKEND_BREAKER_RESET_SECONDS", default=10.0)
# How long a catalog list answer is used before inventory is asked again (stale copies serve an
# outage). The cart, adding to it and checkout always ask inventory, whose own cache is seconds old at most.
CATALOG_FRESH_SECONDS = env.float("CATALOG_FRESH_SECONDS", default=5.0)
# How long a product page shows the product it fetched before asking inventory again (0: every page asks).
PRODUCT_FRESH_SECONDS = env.float("PRODUCT_FRESH_SECONDS", default=1.0)
# An access token this close to expiry is refreshed before a backend call.
TOKEN_REFRESH_MARGIN_SECONDS = 60

LOGIN_URL = "/login/"
CSRF_FAILURE_VIEW = "shop.errors.csrf_failure"

# WhiteNoise serves the shop's CSS and scripts straight from the apps' static folders (no collectstatic step).
WHITENOISE_USE_FINDERS = True
