"""Orders REST API (docs/architecture.md §4)."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ordering import selectors, services
from ordering.models import Order, OrderStatus
from ordering.serializers import OrderInput, OrderOutput
from retail_common.auth.permissions import IsAdminRole
from retail_common.domain.codes import CancelReason
from retail_common.http.openapi import openapi_extensions
from retail_common.http.query_filters import choice_param
from retail_common.http.ratelimit import enforce_rate_limit

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, location=OpenApiParameter.HEADER, required=True, description="One per checkout attempt"
)


# Where an order's id leads (OpenAPI links, followed by the fuzzer's stateful phase).
ORDER_ID = {"id": "$response.body#/id"}
ORDER_LINKS = {
    "GetOrder": ("GET /api/orders/{id}", ORDER_ID),
    "CancelOrder": ("POST /api/orders/{id}/cancel", ORDER_ID),
    "ShipOrder": ("POST /api/admin/orders/{id}/ship", ORDER_ID),
    "DeliverOrder": ("POST /api/admin/orders/{id}/deliver", ORDER_ID),
}
FIRST_ORDER = {"id": "$response.body#/results/0/id"}


class OrderListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutput

    def get_queryset(self):
        return selectors.order_list_for_user(user_id=self.request.user.id)

    @extend_schema(
        summary="The caller's orders, newest first",
        extensions=openapi_extensions(links={200: {"GetFirstOrder": ("GET /api/orders/{id}", FIRST_ORDER)}}),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=OrderInput,
        responses={201: OrderOutput, 200: OrderOutput, 409: OrderOutput},
        summary="Place an order (reserves stock; payment follows asynchronously)",
        extensions=openapi_extensions(
            links={201: ORDER_LINKS, 200: ORDER_LINKS, 409: {"GetOrder": ORDER_LINKS["GetOrder"]}},
            errors={
                422: "The Idempotency-Key was used for a different order.",
                429: "Over the rate limit; Retry-After says when to try again.",
                503: "Inventory is unreachable; nothing was ordered.",
            },
        ),
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 100:
            raise serializers.ValidationError(
                {"Idempotency-Key": ["This header is required (at most 100 characters)."]}
            )
        enforce_rate_limit(
            request, group="orders.create", rate=settings.ORDERS_RATE_CREATE_PER_USER, key=lambda g, r: str(r.user.id)
        )
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        order, created = services.order_create(
            user_id=request.user.id,
            items=data.validated_data["items"],
            shipping_address=data.validated_data["shipping_address"],
            card_number=data.validated_data["payment_method"]["card_number"],
            idempotency_key=key,
        )
        if not created:  # a replay answers with the order as it is now
            order = selectors.order_get_for_user(user_id=request.user.id, order_id=order.id)
        if order.cancel_reason == CancelReason.OUT_OF_STOCK:  # also when the same key is replayed
            answer = status.HTTP_409_CONFLICT
        else:
            answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(OrderOutput(order).data, status=answer)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OrderOutput}, summary="One of the caller's orders")
    def get(self, request, pk):
        return Response(OrderOutput(selectors.order_get_for_user(user_id=request.user.id, order_id=pk)).data)


class OrderCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: OrderOutput}, summary="Cancel (refund and restock follow)")
    def post(self, request, pk):
        order = selectors.order_get_for_user(user_id=request.user.id, order_id=pk)
        services.order_cancel(order=order)
        return Response(OrderOutput(selectors.order_get_for_user(user_id=request.user.id, order_id=pk)).data)


class AdminOrderListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = OrderOutput

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=OrderStatus.values)],
        summary="All orders (ADMIN)",
        extensions=openapi_extensions(
            links={200: {"ShipFirstOrder": ("POST /api/admin/orders/{id}/ship", FIRST_ORDER)}}
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.order_list(status=choice_param(self.request, "status", OrderStatus))


class AdminFulfilView(APIView):
    permission_classes = [IsAdminRole]
    target = OrderStatus.SHIPPED

    @extend_schema(request=None, responses={200: OrderOutput}, summary="Ship or deliver (ADMIN)")
    def post(self, request, pk):
        order = services.order_fulfil(order=get_object_or_404(Order, pk=pk), status=self.target)
        return Response(OrderOutput(selectors.order_queryset().get(pk=order.pk)).data)


class AdminDeliverView(AdminFulfilView):
    target = OrderStatus.DELIVERED
