"""Endpoints every service serves: health, readiness, metrics, OpenAPI schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from retail_common.health import healthz, readyz
from retail_common.observability.metrics.exposition import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("retail_common.events.urls")),
]


def service_urlpatterns(*app_urlconfs: str, extra: tuple = ()) -> list:
    """A service's root URLconf: these endpoints, its apps' URLs, Django admin, then `extra`."""
    from django.contrib import admin

    return [
        path("", include("retail_common.urls")),
        *(path("", include(urlconf)) for urlconf in app_urlconfs),
        path("admin/", admin.site.urls),
        *extra,
    ]


# Re-exported by each service's root URLconf: JSON errors instead of HTML pages.
handler400 = "retail_common.http.error_responses.handler400"
handler403 = "retail_common.http.error_responses.handler403"
handler404 = "retail_common.http.error_responses.handler404"
handler500 = "retail_common.http.error_responses.handler500"
