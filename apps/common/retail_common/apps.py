from django.apps import AppConfig
from django.conf import settings


class RetailCommonConfig(AppConfig):
    name = "retail_common"
    verbose_name = "Retail common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registration side effects: system checks and the OpenAPI auth scheme.
        from retail_common import checks, openapi  # noqa: F401
        from retail_common.tracing import tracing_setup

        # Here, not in wsgi.py: every entry point (gunicorn worker, management command) passes through
        # ready() in its own process, and before the WSGI handler reads the middleware list.
        tracing_setup(getattr(settings, "SERVICE_NAME", "retail"))
