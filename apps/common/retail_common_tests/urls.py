from django.contrib import admin
from django.urls import include, path

from retail_common_tests import views

urlpatterns = [
    path("", include("retail_common.urls")),
    path("admin/", admin.site.urls),
    path("t/whoami", views.WhoAmI.as_view()),
    path("t/admin-only", views.AdminOnly.as_view()),
    path("t/echo", views.Echo.as_view()),
    path("t/conflict", views.Conflicting.as_view()),
    path("t/domain-error/<str:kind>", views.RaisingDomainError.as_view()),
    path("t/crash", views.Crashing.as_view()),
    path("t/limited", views.Limited.as_view()),
    path("t/publish", views.PublishOrderCreated.as_view()),
]

handler400 = "retail_common.http.error_responses.handler400"
handler403 = "retail_common.http.error_responses.handler403"
handler404 = "retail_common.http.error_responses.handler404"
handler500 = "retail_common.http.error_responses.handler500"
