from django.urls import path

from ops_console import views

urlpatterns = [
    path("ops/", views.dashboard, name="ops"),
    path("ops/failed-events/", views.failed_events, name="failed-events"),
    path(
        "ops/failed-events/<str:service>/<int:event_id>/<str:action>/",
        views.failed_event_action,
        name="failed-event-action",
    ),
]
