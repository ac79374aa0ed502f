"""Settings helpers shared by every project's settings.py (django-environ based).

The module-level names below are the settings every service has in common; a project's
settings.py takes those listed in `__all__` (`from retail_common.service_settings import *`: named here,
so linters and readers see every setting), calls the `service_*` helpers for the few that depend on the
service, and then states what is its own.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from psycopg import IsolationLevel

from retail_common.config.environment import env
from retail_common.config.secrets import resolve_secret
from retail_common.config.topology import JWT_AUDIENCE, JWT_ISSUER

EMBEDDED_POSTGRES = "postgres://postgres@127.0.0.1:55432"
EMBEDDED_REDIS = "redis://127.0.0.1:56379/0"

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
LIBRARY_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "django_prometheus", "retail_common"]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "retail_common.observability.request_logging.RequestIdMiddleware",
    # Before anything reads the request: NUL or a lone surrogate is a 400 naming where, not a 500.
    "retail_common.http.input_guard.UnsafeInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


# /readyz of a service with an outbox or consumers also reports the broker.
READINESS_CHECKS_WITH_BROKER = (
    "retail_common.health.check_postgres",
    "retail_common.health.check_redis",
    "retail_common.health.check_broker",
)


def database_config(service: str) -> dict:
    """The service's own database: DATABASE_URL (variable, or a file in SECRETS_DIR), else the embedded server.

    In the cluster the URL carries the role's password, so the Vault agent renders it as a file.
    """
    url = resolve_secret("DATABASE_URL", required=False) or f"{EMBEDDED_POSTGRES}/{service}_db"
    config = environ.Env.db_url_config(url)
    # django-prometheus's wrapper of the same backend: django_db_* query counts and durations per alias.
    config["ENGINE"] = config["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends.", 1)
    config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3))
    # Stated, not inherited from the server's default_transaction_isolation: the services' locking
    # (select_for_update, the outbox and inbox) is written for READ COMMITTED, as the seed's services ran.
    options["isolation_level"] = IsolationLevel.READ_COMMITTED
    return config


def cache_config(service: str) -> dict:
    """Redis (django-redis), keys prefixed per service, short timeouts so an outage fails fast."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("REDIS_URL", default=EMBEDDED_REDIS),
        "KEY_PREFIX": service,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
        },
    }


def logging_config(service: str) -> dict:
    """Lines to stdout: JSON (LOG_FORMAT=json, the images) or readable text (`manage_all.py dev` prefixes them)."""
    from retail_common.observability.log_context import TEXT_FORMAT, json_formatter_config

    level = env("LOG_LEVEL", default="INFO")
    log_format = env("LOG_FORMAT", default="text")
    if log_format not in ("json", "text"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "retail_common.observability.log_context.LogContextFilter", "service": service}},
        "formatters": {"json": json_formatter_config(), "text": {"format": TEXT_FORMAT}},
        "handlers": {
            "stdout": {
                # Through a queue: the caller enqueues, a listener thread formats and writes
                # (retail_common.observability.log_queue).
                "class": "retail_common.observability.log_queue.QueueStreamHandler",
                "formatter": "json" if log_format == "json" else "text",
                "filters": ["context"],
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


def rest_framework_settings(*, authentication: str = "retail_common.auth.authentication.JWTAuthentication") -> dict:
    return {
        "DEFAULT_AUTHENTICATION_CLASSES": [authentication],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["retail_common.http.parsers.SafeJSONParser"],
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "DEFAULT_PAGINATION_CLASS": "retail_common.http.pagination.StandardPagination",
        "PAGE_SIZE": 20,
        "EXCEPTION_HANDLER": "retail_common.http.error_responses.exception_handler",
        "UNAUTHENTICATED_USER": None,
    }


__all__ = [  # what a project's settings.py takes with `from retail_common.service_settings import *`
    "ALLOWED_HOSTS",
    "CSRF_COOKIE_SECURE",
    "DEBUG",
    "DEFAULT_AUTO_FIELD",
    "DJANGO_REDIS_IGNORE_EXCEPTIONS",
    "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS",
    "LANGUAGE_CODE",
    "MIDDLEWARE",
    "RATELIMIT_FAIL_OPEN",
    "RATELIMIT_USE_CACHE",
    "REST_FRAMEWORK",
    "SECRET_KEY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SECURE",
    "SIMPLE_JWT",
    "STATIC_URL",
    "TEMPLATES",
    "TIME_ZONE",
    "TRUSTED_PROXY_CIDRS",
    "USE_I18N",
    "USE_TZ",
    "WHITENOISE_USE_FINDERS",
]

# The settings every project shares (named in __all__ above); each project's settings.py adds the few
# that depend on the service: see service_* below.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = resolve_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# A Redis outage degrades the cache to misses instead of failing requests.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
RATELIMIT_USE_CACHE = "default"
# With Redis down, requests go through unlimited rather than all being refused.
RATELIMIT_FAIL_OPEN = True
# Who may say, in X-Forwarded-For, which client a request is for (the storefront, a gateway).
TRUSTED_PROXY_CIDRS = env.list("TRUSTED_PROXY_CIDRS", default=["127.0.0.1/32", "::1/128"])
REST_FRAMEWORK = rest_framework_settings()
# djangorestframework-simplejwt: RS256 tokens signed by users and verified by every service, by kid
# (retail_common.auth.jwt_verify). Keys: the JWKS at JWK_URL, else the PEM bundle secret JWT_PUBLIC_KEYS.
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "ISSUER": JWT_ISSUER,
    "AUDIENCE": JWT_AUDIENCE,
    "LEEWAY": 0,
    "JWK_URL": env("JWT_JWKS_URL", default="") or None,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "UPDATE_LAST_LOGIN": False,
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = DEBUG
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = not DEBUG and env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True


def service_databases(service: str) -> dict:
    return {"default": database_config(service)}


def service_caches(service: str) -> dict:
    return {"default": cache_config(service)}


def service_static_root(base_dir: Path) -> str:
    return env("STATIC_ROOT", default=str(base_dir / "staticfiles"))


def service_spectacular_settings(service: str) -> dict:
    return {
        "TITLE": f"Retail {service} API",
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "retail_common.http.openapi.document_errors_links_and_health",
        ],
    }


def service_settings(service: str, base_dir: Path) -> tuple[dict, dict, dict, dict, str]:
    """DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS and STATIC_ROOT of one service, in that order
    (a project unpacks them into its own names)."""
    return (
        service_databases(service),
        service_caches(service),
        logging_config(service),
        service_spectacular_settings(service),
        service_static_root(base_dir),
    )


def service_retail(service: str, *, events: str = "", **overrides) -> dict:
    """The library's namespaced settings (retail_common.config.retail_settings.RetailSettings) for one service.

    `events`: the module whose import registers the service's Kafka handlers (run_consumers); a service
    that consumes events is not ready without the broker, so /readyz then checks it too.
    """
    consumer = {"EVENT_HANDLER_MODULES": (events,), "READINESS_CHECKS": READINESS_CHECKS_WITH_BROKER} if events else {}
    return {
        "SERVICE_NAME": service,
        "KAFKA_BOOTSTRAP_SERVERS": env("KAFKA_BOOTSTRAP_SERVERS", default="127.0.0.1:59092"),
        "TOPIC_PREFIX": env("KAFKA_TOPIC_PREFIX", default=""),
        "TOPIC_PARTITIONS": env.int("KAFKA_TOPIC_PARTITIONS", default=3),
        "RETRY_TOPIC_PARTITIONS": env.int("KAFKA_RETRY_TOPIC_PARTITIONS", default=1),
        "CONSUMER_FETCH_WAIT_MS": env.int("KAFKA_FETCH_WAIT_MS", default=20),
        "OUTBOX_RELAY_GRACE_SECONDS": env.float("OUTBOX_RELAY_GRACE_SECONDS", default=2.0),
        "CONSUMER_HEARTBEAT_FILE": env("CONSUMER_HEARTBEAT_FILE", default=""),
        **consumer,
        **overrides,
    }
