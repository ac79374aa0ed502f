"""Bytes no page of the shop can use are refused at the door with the shop's 400 page.

A NUL byte or another control character in the path, the query string, the session or CSRF
cookie or a header, or a lone surrogate, is never part of a real shopper's request. Left in,
it reaches PostgreSQL (which cannot store NUL), a backend (which refuses it with a 400 the page
then misreads as "not found"), or a response header (a newline there is a crash). One check
here, before anything reads the request, turns all of them into one clear answer. Form fields
are not checked here: their forms refuse a NUL next to the field (Django's CharField does).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.shortcuts import render

# C0 controls but tab, LF and CR (a query value may carry a pasted line break), DEL, lone surrogates.
UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# In a header value no line break is legitimate either.
UNREADABLE_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
SHOWN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def unreadable(value: str) -> bool:
    """The value holds a NUL, another control character or a lone surrogate."""
    return bool(UNREADABLE.search(value))


def _named(name: str) -> str:
    """A parameter name safe and short enough to show back, or a generic word."""
    return f"“{name}”" if SHOWN_NAME.match(name) else "a parameter"


def problem_of(request) -> tuple[str, str | None]:
    """(what is wrong, the cookie to clear or None); ("", None) for a request the shop can read."""
    if unreadable(request.path_info):
        return "The page address contains a control character (such as a NUL byte) that no page uses.", None
    for name, values in request.GET.lists():
        if unreadable(name) or any(unreadable(v) for v in values):
            return (
                f"The search or filter {_named(name)} contains a control character (such as a NUL byte). "
                "Remove it and try again.",
                None,
            )
    for cookie in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        if unreadable(request.COOKIES.get(cookie, "")):
            return "Your browser sent a damaged cookie. The shop has cleared it: reload the page to go on.", cookie
    for key, value in request.META.items():
        # Cookies were checked above: one the shop never reads (another app's on this host) may hold anything.
        is_header = (key.startswith("HTTP_") and key != "HTTP_COOKIE") or key == "CONTENT_TYPE"
        if is_header and isinstance(value, str) and UNREADABLE_IN_HEADER.search(value):
            header = key.removeprefix("HTTP_").replace("_", "-").title()
            return f"The request header {header} contains a control character.", None
    return "", None


class BadInputMiddleware:
    """Before the request id, the session and CSRF read anything: they would choke on these bytes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        detail, bad_cookie = problem_of(request)
        if not detail:
            return self.get_response(request)
        response = render(request, "errors/400.html", {"detail": detail}, status=400)
        if bad_cookie:
            response.delete_cookie(bad_cookie, samesite="Lax")
        return response
