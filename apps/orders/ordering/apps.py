from django.apps import AppConfig


class OrderingConfig(AppConfig):
    name = "ordering"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Orders"
