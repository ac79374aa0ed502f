from django.apps import AppConfig


class RetailCommonConfig(AppConfig):
    name = "retail_common"
    verbose_name = "Retail common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registration side effects: system checks and the OpenAPI auth scheme.
        from retail_common import checks, openapi  # noqa: F401
