"""Errors a business rule raises: `DomainError(detail, code)` and the few kinds the services need.

Services raise these and nothing from DRF or gRPC; each entry point translates them once:
the DRF exception handler (`retail_common.errors`) to an HTTP status and `{"detail", "code"}`,
inventory's gRPC decorator to a status code, admin actions and commands to a message.
A new rule picks the kind that says what went wrong and gives its own `code`.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; `detail` is for people, `code` for programs."""

    default_detail = "The request was refused."
    default_code = "error"

    def __init__(self, detail: str | None = None, code: str | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """The input breaks a rule (HTTP 400, gRPC INVALID_ARGUMENT); `fields` names the fields when known."""

    default_detail = "The input is invalid."
    default_code = "invalid"

    def __init__(self, detail: str | None = None, code: str | None = None, *, fields: dict | None = None):
        super().__init__(detail, code)
        self.fields = fields


class AuthenticationError(DomainError):
    """The credentials or token do not identify anyone (HTTP 401)."""

    default_detail = "Incorrect authentication credentials."
    default_code = "authentication_failed"


class Conflict(DomainError):
    """The request conflicts with the current state (HTTP 409, gRPC FAILED_PRECONDITION)."""

    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(DomainError):
    """Well-formed, but it contradicts an earlier request (HTTP 422)."""

    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class Unavailable(DomainError):
    """A dependency is down; nothing was done and a retry may succeed (HTTP 503, gRPC UNAVAILABLE)."""

    default_detail = "A dependency is temporarily unavailable."
    default_code = "service_unavailable"
