from django.urls import path

from accounts.api import JwksView
from retail_common.urls import handler400, handler403, handler404, handler500, service_urlpatterns  # noqa: F401

urlpatterns = service_urlpatterns(
    "accounts.urls", extra=(path(".well-known/jwks.json", JwksView.as_view(), name="well-known-jwks"),)
)
