from django.urls import include, path

from retail_common.health import healthz, readyz
from retail_common.observability.metrics.exposition import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("customers.urls")),
    path("", include("ops_console.urls")),
    path("", include("shop.urls")),
]

handler400 = "shop.errors.bad_request"
handler403 = "shop.errors.permission_denied"
handler404 = "shop.errors.page_not_found"
handler500 = "shop.errors.server_error"
