from django.apps import AppConfig
from django.conf import settings


class RetailCommonConfig(AppConfig):
    default = True  # "retail_common" in INSTALLED_APPS; CommandsOnlyConfig below is named explicitly
    name = "retail_common"
    verbose_name = "Retail common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registration side effects: system checks and the OpenAPI auth scheme.
        from django.db.backends.signals import connection_created

        from retail_common import startup_checks  # noqa: F401
        from retail_common.http import openapi  # noqa: F401
        from retail_common.observability.metrics.process_gauges import track_connection
        from retail_common.observability.tracing import tracing_setup

        # Every connection of every thread, so /metrics can count open and in-use ones (retail_db_connections).
        connection_created.connect(track_connection, dispatch_uid="retail_common.track_connection")
        # Here, not in wsgi.py: every entry point (gunicorn worker, management command) passes through
        # ready() in its own process, and before the WSGI handler reads the middleware list.
        tracing_setup(getattr(settings, "SERVICE_NAME", "retail"))


class CommandsOnlyConfig(AppConfig):
    """retail_common's management commands without the hooks of ready() (retail_common.ops.bootstrap_settings)."""

    name = "retail_common"
    verbose_name = "Retail common (commands only)"
    default_auto_field = "django.db.models.BigAutoField"
