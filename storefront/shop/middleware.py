"""A backend outage or refusal becomes a friendly page, never a stack trace."""

import logging

from backends.http import BackendRejected, BackendUnavailable
from backends.stale_cache import reset_degraded
from django.shortcuts import render

logger = logging.getLogger("storefront.backends")

FRIENDLY_NAMES = {"users": "Accounts", "inventory": "The catalog", "orders": "Ordering", "payments": "Payments"}


def unavailable_page(request, service: str):
    response = render(
        request,
        "errors/503.html",
        {"service": FRIENDLY_NAMES.get(service, service)},
        status=503,
    )
    response["Retry-After"] = "30"
    return response


class BackendFailureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset_degraded()
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BackendUnavailable):
            logger.warning("backend unavailable: %s", exception)
            return unavailable_page(request, exception.service)
        if isinstance(exception, BackendRejected) and exception.status in (403, 404):
            template = f"errors/{exception.status}.html"
            return render(request, template, {"detail": exception.detail}, status=exception.status)
        if isinstance(exception, BackendRejected) and exception.status != 401:  # 401: ShopperMiddleware signs out
            return refused_page(request, exception)
        return None


def refused_page(request, exc: BackendRejected):
    """A backend's 4xx that no view expected (odd input it refused): its reason on the 400 page, never a 500."""
    logger.warning("backend refused: %s", exc)
    service = FRIENDLY_NAMES.get(exc.service, exc.service)
    detail = f"{service} could not handle this request ({exc.status}: {exc.detail})."
    status = exc.status if 400 <= exc.status < 500 else 400
    response = render(request, "errors/400.html", {"detail": detail, "code": status}, status=status)
    if "Retry-After" in exc.headers:
        response["Retry-After"] = exc.headers["Retry-After"]
    return response
