from django.urls import path

from ordering import api

urlpatterns = [
    path("api/orders", api.OrderListView.as_view(), name="orders"),
    path("api/orders/<uuid:pk>", api.OrderDetailView.as_view(), name="order-detail"),
    path("api/orders/<uuid:pk>/cancel", api.OrderCancelView.as_view(), name="order-cancel"),
    path("api/admin/orders", api.AdminOrderListView.as_view(), name="admin-orders"),
    path("api/admin/orders/<uuid:pk>/ship", api.AdminFulfilView.as_view(), name="admin-order-ship"),
    path("api/admin/orders/<uuid:pk>/deliver", api.AdminDeliverView.as_view(), name="admin-order-deliver"),
]
