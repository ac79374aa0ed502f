from django.urls import path

from retail_common.events import api

urlpatterns = [
    path("api/admin/failed-events", api.FailedEventListView.as_view(), name="failed-events"),
    path("api/admin/failed-events/<int:pk>", api.FailedEventDetailView.as_view(), name="failed-event"),
    path("api/admin/failed-events/<int:pk>/retry", api.FailedEventRetryView.as_view(), name="failed-event-retry"),
    path("api/admin/failed-events/<int:pk>/discard", api.FailedEventDiscardView.as_view(), name="failed-event-discard"),
]
