"""Refuse NUL and lone surrogates outside the body before any view reads them (issue 12: no 500 from
any HTTP input). The body is the JSON parser's part (`retail_common.http.parsers.SafeJSONParser`).
"""

from __future__ import annotations

from collections.abc import Iterator

from retail_common.http.error_responses import json_error
from retail_common.http.unsafe_text import INVALID_CHARACTERS, text_problem


def _request_parts(request) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of a request a view may read, body excepted."""
    yield "The path", request.path
    for name, values in request.GET.lists():
        yield f"The name of query parameter {name!r}", name
        for value in values:
            yield f"Query parameter {name!r}", value
    for name, value in request.COOKIES.items():
        yield f"The name of cookie {name!r}", name
        yield f"Cookie {name!r}", value
    for name, value in request.headers.items():
        if name.lower() != "cookie":  # reported per cookie above
            yield f"Header {name!r}", value


def request_text_problem(request) -> str | None:
    """A sentence naming the first part of the request that holds unstorable text, or None."""
    for where, text in _request_parts(request):
        problem = text_problem(text)
        if problem:
            return f"{where} contains {problem}, which is not accepted."
    return None


class UnsafeInputMiddleware:
    """400 `{detail, code: "invalid_characters"}` for NUL or a lone surrogate in the path, the query
    string, a cookie or a header value."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = request_text_problem(request)
        if problem:
            return json_error(400, problem, INVALID_CHARACTERS)
        return self.get_response(request)
