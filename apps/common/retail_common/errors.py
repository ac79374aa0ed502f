"""One error format for every service: `{"detail": ..., "code": ...}` or DRF field errors."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("retail_common.errors")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A dependency is temporarily unavailable."
    default_code = "service_unavailable"


def exception_handler(exc, context):
    """DRF handler that flattens non-field errors to `{detail, code}` and keeps field errors."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError) and isinstance(response.data, dict):
        return response  # field errors: {"field": ["message", ...]}
    if isinstance(exc, APIException):
        detail = exc.detail
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]  # Django's Http404 / PermissionDenied, which DRF translated
    else:
        detail = response.data
    if isinstance(detail, list) and detail:
        detail = detail[0]
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = {"detail": str(detail), "code": code}
    return response


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def handler400(request, exception=None):
    return json_error(400, "Bad request.", "bad_request")


def handler403(request, exception=None):
    return json_error(403, "You do not have permission to perform this action.", "permission_denied")


def handler404(request, exception=None):
    return json_error(404, f"No resource at {request.path}.", "not_found")


def handler500(request):
    return json_error(
        500, "Internal server error; the request id in X-Request-ID identifies it in the logs.", "server_error"
    )
