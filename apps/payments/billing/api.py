"""Payments REST API (docs/architecture.md §4): a customer sees their own payments; ADMIN sees all."""

import uuid

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from billing import selectors
from billing.models import Payment, PaymentStatus
from retail_common.auth.permissions import IsAdminRole
from retail_common.http.openapi import openapi_extensions
from retail_common.http.query_filters import choice_param


class PaymentOutput(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "order_id", "amount", "currency", "status", "decline_reason", "created_at"]


def order_id_param(request) -> uuid.UUID | None:
    value = request.query_params.get("order_id")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise serializers.ValidationError({"order_id": ["Must be a UUID."]}) from exc


ORDER_ID = OpenApiParameter("order_id", str, description="Only the payment of this order")
# A listed payment's id leads to its detail (OpenAPI link, followed by the fuzzer's stateful phase).
FIRST_PAYMENT_LINKS = openapi_extensions(
    links={200: {"GetFirstPayment": ("GET /api/payments/{id}", {"id": "$response.body#/results/0/id"})}}
)


class PaymentListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PaymentOutput

    @extend_schema(parameters=[ORDER_ID], summary="The caller's payments", extensions=FIRST_PAYMENT_LINKS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.payment_list_for_user(user_id=self.request.user.id, order_id=order_id_param(self.request))


class PaymentDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PaymentOutput

    def get_object(self):
        # Another customer's payment is a 404, not a 403: its existence is not disclosed.
        return get_object_or_404(Payment, pk=self.kwargs["pk"], user_id=self.request.user.id)


class AdminPaymentListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = PaymentOutput

    @extend_schema(
        parameters=[ORDER_ID, OpenApiParameter("status", enum=PaymentStatus.values)], summary="All payments (ADMIN)"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status = choice_param(self.request, "status", PaymentStatus)
        return selectors.payment_list(order_id=order_id_param(self.request), status=status)
