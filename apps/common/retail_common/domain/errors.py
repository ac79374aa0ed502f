"""Errors a business rule raises: `DomainError(detail, code)` and the few kinds the services need.

Services raise these and nothing from DRF or gRPC; each entry point translates them once:
the DRF exception handler (`retail_common.http.error_responses`) to an HTTP status and `{"detail", "code"}`,
inventory's gRPC decorator to a status code, admin actions and commands to a message.
A new rule picks the kind that says what went wrong and gives its own `code`.
"""

from __future__ import annotations

from retail_common.domain.codes import ErrorCode


class DomainError(Exception):
    """A request the rules refuse; `detail` is for people, `code` for programs.

    A kind declares its defaults as class keywords, so a new error is one line and a docstring:
    `class EmailTaken(Conflict, detail="An account with this email already exists.", code=ErrorCode.EMAIL_TAKEN)`.
    They land in `default_detail` / `default_code`, the names DRF's exceptions use for the same thing.
    """

    default_detail = "The request was refused."
    default_code = ErrorCode.ERROR

    def __init_subclass__(cls, *, detail: str | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if detail is not None:
            cls.default_detail = detail
        if code is not None:
            cls.default_code = code

    def __init__(self, detail: str | None = None, code: str | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        super().__init__(self.detail)


class InvalidInput(DomainError, detail="The input is invalid.", code=ErrorCode.INVALID):
    """The input breaks a rule (HTTP 400, gRPC INVALID_ARGUMENT); `fields` names the fields when known."""

    def __init__(self, detail: str | None = None, code: str | None = None, *, fields: dict | None = None):
        super().__init__(detail, code)
        self.fields = fields


class AuthenticationError(
    DomainError, detail="Incorrect authentication credentials.", code=ErrorCode.AUTHENTICATION_FAILED
):
    """The credentials or token do not identify anyone (HTTP 401)."""


class Conflict(DomainError, detail="The request conflicts with the current state.", code=ErrorCode.CONFLICT):
    """The request conflicts with the current state (HTTP 409, gRPC FAILED_PRECONDITION)."""


class Unprocessable(DomainError, detail="The request cannot be processed.", code=ErrorCode.UNPROCESSABLE):
    """Well-formed, but it contradicts an earlier request (HTTP 422)."""


class Unavailable(DomainError, detail="A dependency is temporarily unavailable.", code=ErrorCode.SERVICE_UNAVAILABLE):
    """A dependency is down; nothing was done and a retry may succeed (HTTP 503, gRPC UNAVAILABLE)."""
