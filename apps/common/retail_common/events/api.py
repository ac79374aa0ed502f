"""REST admin API of failed events, in every service (docs/architecture.md §4)."""

import base64

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from retail_common.auth.permissions import IsAdminRole
from retail_common.events.failed import failed_event_discard, failed_event_retry
from retail_common.http.openapi import openapi_extensions
from retail_common.http.query_filters import choice_param
from retail_common.models import FailedEvent, FailedEventStatus


class FailedEventOutput(serializers.ModelSerializer):
    """`payload`, `key` and `headers` are readable previews (invalid UTF-8 and controls escaped); the
    exact bytes are in the detail answer."""

    class Meta:
        model = FailedEvent
        fields = [
            "id",
            "group",
            "topic",
            "key",
            "event_id",
            "payload",
            "value_size",
            "headers",
            "error_type",
            "error_message",
            "attempts",
            "status",
            "created_at",
            "updated_at",
            "retried_at",
            "retried_by",
            "retry_count",
            "discarded_at",
            "discarded_by",
        ]


class FailedEventDetailOutput(FailedEventOutput):
    raw_value_base64 = serializers.SerializerMethodField(help_text="The value's exact bytes; null for a null value.")
    raw_key_base64 = serializers.SerializerMethodField(help_text="The key's exact bytes; null for no key.")

    class Meta(FailedEventOutput.Meta):
        fields = [*FailedEventOutput.Meta.fields, "raw_value_base64", "raw_key_base64", "raw_headers"]

    def get_raw_value_base64(self, obj) -> str | None:
        return None if obj.raw_value is None else base64.b64encode(bytes(obj.raw_value)).decode()

    def get_raw_key_base64(self, obj) -> str | None:
        return None if obj.raw_key is None else base64.b64encode(bytes(obj.raw_key)).decode()


class FailedEventDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = FailedEventDetailOutput
    queryset = FailedEvent.objects.all()


class FailedEventListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = FailedEventOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=FailedEventStatus.values),
            OpenApiParameter("topic", str),
            OpenApiParameter("group", str),
        ],
        # The first listed event can be retried or discarded (OpenAPI links, for the fuzzer's stateful phase).
        extensions=openapi_extensions(
            links={
                200: {
                    f"{action.title()}FirstEvent": (
                        f"POST /api/admin/failed-events/{{id}}/{action}",
                        {"id": "$response.body#/results/0/id"},
                    )
                    for action in ("retry", "discard")
                }
            }
        ),
    )
    def get(self, request, *args, **kwargs):
        choice_param(request, "status", FailedEventStatus)  # a 400 before the query
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = FailedEvent.objects.order_by("-created_at").defer("raw_value", "raw_key")
        for field in ("status", "topic", "group"):
            value = self.request.query_params.get(field)
            if value:
                rows = rows.filter(**{field: value})
        return rows


class FailedEventActionView(APIView):
    permission_classes = [IsAdminRole]
    operation = None  # failed_event_retry or failed_event_discard

    @extend_schema(request=None, responses={200: FailedEventOutput})
    def post(self, request, pk: int):
        get_object_or_404(FailedEvent, pk=pk)
        failed = type(self).operation(
            failed_event_id=pk, actor=getattr(request.user, "email", "") or str(request.user.pk)
        )
        return Response(FailedEventOutput(failed).data)


class FailedEventRetryView(FailedEventActionView):
    operation = staticmethod(failed_event_retry)


class FailedEventDiscardView(FailedEventActionView):
    operation = staticmethod(failed_event_discard)
