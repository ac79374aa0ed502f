from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop: catalog, cart, checkout, orders"

    def ready(self) -> None:
        # The storefront does not install retail_common as an app (no outbox, no library tables), so
        # its traces start here, as RetailCommonConfig.ready starts the services' (after the fork).
        from retail_common.observability.tracing import tracing_setup

        tracing_setup("storefront")
