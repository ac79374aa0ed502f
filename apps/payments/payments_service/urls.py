from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("retail_common.urls")),
    path("", include("billing.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "retail_common.errors.handler400"
handler403 = "retail_common.errors.handler403"
handler404 = "retail_common.errors.handler404"
handler500 = "retail_common.errors.handler500"
