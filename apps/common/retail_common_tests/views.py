"""Tiny endpoints that exercise the library's authentication, permissions, errors and rate limits."""

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from retail_common.auth.permissions import IsAdminRole
from retail_common.domain import errors as domain_errors
from retail_common.domain.errors import Conflict
from retail_common.events.outbox.write import publish
from retail_common.http.ratelimit import client_ip, enforce_rate_limit


class TestView(APIView):
    schema = None  # test-only endpoints stay out of the OpenAPI document


class WhoAmI(TestView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        user = request.user
        return Response({"id": str(user.id), "email": user.email, "role": user.role})


class AdminOnly(TestView):
    permission_classes = [IsAdminRole]

    def get(self, request):
        return Response({"ok": True})


class EchoInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    quantity = serializers.IntegerField(min_value=1)


class Echo(TestView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = EchoInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class Conflicting(TestView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise Conflict("The widget is already reserved.")


# What a service raises, by name: /t/domain-error/<kind> shows how the DRF handler maps each kind.
DOMAIN_ERRORS = {
    "invalid": domain_errors.InvalidInput("Quantity must be positive.", "quantity_invalid"),
    "invalid-fields": domain_errors.InvalidInput(fields={"quantity": ["Must be positive."]}),
    "authentication": domain_errors.AuthenticationError("Email or password is incorrect.", "invalid_credentials"),
    "conflict": domain_errors.Conflict(),
    "unprocessable": domain_errors.Unprocessable("This key was used for another request.", "key_reused"),
    "unavailable": domain_errors.Unavailable(),
    "plain": domain_errors.DomainError(),
}


class RaisingDomainError(TestView):
    permission_classes = [AllowAny]

    def post(self, request, kind):
        raise DOMAIN_ERRORS[kind]


class Crashing(TestView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("a bug")


class Limited(TestView):
    permission_classes = [AllowAny]

    def get(self, request):
        enforce_rate_limit(request, group="tests.limited", rate="3/m", key=lambda g, r: client_ip(r))
        return Response({"ok": True})


class PublishOrderCreated(TestView):
    """A web request that writes an event through the outbox, as a service's order endpoint would."""

    permission_classes = [AllowAny]

    def post(self, request):
        from retail_dev.factories import order_created_payload

        with transaction.atomic():
            event = publish(event_type="order-created", key=request.data["key"], payload=order_created_payload())
        return Response({"event_id": str(event.event_id)}, status=status.HTTP_201_CREATED)
