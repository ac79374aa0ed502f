from django.urls import path

from billing import api

urlpatterns = [
    path("api/payments", api.PaymentListView.as_view(), name="payments"),
    path("api/payments/<uuid:pk>", api.PaymentDetailView.as_view(), name="payment-detail"),
    path("api/admin/payments", api.AdminPaymentListView.as_view(), name="admin-payments"),
]
