"""One error format for every service: `{"detail": ..., "code": ...}` or DRF field errors."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from retail_common.domain.codes import ErrorCode
from retail_common.domain.errors import (
    AuthenticationError,
    Conflict,
    DomainError,
    InvalidInput,
    Unavailable,
    Unprocessable,
)

logger = logging.getLogger("retail_common.http.error_responses")


# The one place a DomainError becomes an HTTP status (the first kind that matches wins).
HTTP_STATUS = (
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
    (AuthenticationError, status.HTTP_401_UNAUTHORIZED),
    (Conflict, status.HTTP_409_CONFLICT),
    (Unprocessable, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (Unavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (DomainError, status.HTTP_400_BAD_REQUEST),
)


def _as_api_exception(exc: DomainError, context) -> APIException:
    if isinstance(exc, InvalidInput) and exc.fields:
        return ValidationError(exc.fields)
    if isinstance(exc, AuthenticationError):
        # What DRF's APIView does for AuthenticationFailed: announce the scheme, or 403 without one.
        failed = AuthenticationFailed(exc.detail, exc.code)
        view = context.get("view")
        header = view.get_authenticate_header(context["request"]) if view is not None else None
        if header:
            failed.auth_header = header
        else:
            failed.status_code = status.HTTP_403_FORBIDDEN
        return failed
    api_exception = APIException(exc.detail, exc.code)
    api_exception.status_code = next(code for kind, code in HTTP_STATUS if isinstance(exc, kind))
    return api_exception


def exception_handler(exc, context):
    """DRF handler that flattens non-field errors to `{detail, code}` and keeps field errors."""
    if isinstance(exc, DomainError):
        exc = _as_api_exception(exc, context)
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
    code = getattr(detail, "code", None) or getattr(exc, "default_code", ErrorCode.ERROR)
    response.data = {"detail": str(detail), "code": code}
    return response


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def handler400(request, exception=None):
    return json_error(400, "Bad request.", ErrorCode.BAD_REQUEST)


def handler403(request, exception=None):
    return json_error(403, "You do not have permission to perform this action.", ErrorCode.PERMISSION_DENIED)


def handler404(request, exception=None):
    return json_error(404, f"No resource at {request.path}.", ErrorCode.NOT_FOUND)


def handler500(request):
    return json_error(
        500, "Internal server error; the request id in X-Request-ID identifies it in the logs.", ErrorCode.SERVER_ERROR
    )
