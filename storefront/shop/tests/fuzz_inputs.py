"""What the storefront's property tests throw at its pages: hypothesis strategies and one bounded profile.

Values reach the shop as a browser or a broken client would send them: form bodies and query
strings are percent-encoded bytes (a lone surrogate goes out as the invalid UTF-8 it would be),
header and cookie values are latin-1 strings (all a WSGI server can hand over).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st


def bounded(max_examples: int):
    """Reproducible (derandomized, no example database) and bounded: CI runs the same inputs every time.
    One client and one signed-in session serve all examples of a test, so the function-scoped
    fixtures are meant to outlive the examples."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no "explain": minutes for a hint
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Inputs that broke or nearly broke something somewhere, tried first and mixed into every field.
NASTY = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\x1b[31m",
    "\r\n",
    "\u202e",
    "\ufeff",
    "%00",
    "x" * 300,
    "é" * 2000,
    "9" * 40,
    "9" * 5000,
    "-1",
    "0",
    "1.0",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "²",
    "١٢",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "{{ 7*7 }}",
    '{"a": 1}',
)

nasty = st.sampled_from(NASTY)
any_text = st.text(max_size=80)  # every code point, lone surrogates and NUL included
numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)


def field(*valid: str) -> st.SearchStrategy[str]:
    """A form field's value: one of the given good values (half the time, so that whole forms are often
    good but for one field), a nasty one, any text or any number."""
    good = [st.sampled_from(valid)] * 3 if valid else []
    return st.one_of(*good, nasty, any_text, numbers)


def sent(value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """How a field is sent: mostly once; else left out ([]) or repeated (two inputs of one name)."""
    once = value.map(lambda v: [v])
    return st.one_of(once, once, once, st.just([]), st.lists(value, min_size=2, max_size=3))


def form_body(fields: dict[str, list[str]]) -> bytes:
    """An urlencoded body; a lone surrogate is sent as the invalid UTF-8 bytes a broken client would send."""
    pairs = [(name, value) for name, values in fields.items() for value in values]
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode("ascii")


def post_form(client, path: str, fields: dict[str, list[str]], **extra):
    return client.post(path, form_body(fields), content_type="application/x-www-form-urlencoded", **extra)


def as_received(value: str) -> str:
    """The value as the shop reads it back from the body: invalid UTF-8 becomes U+FFFD."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def last_sent(values: list[str]) -> str | None:
    """What request.POST.get() sees: the last of repeated values, None for a left-out field."""
    return as_received(values[-1]) if values else None


def whole_number(value: str | None) -> int | None:
    """The number a shopper meant by "2", " 2 " or "2.0" (Python's int(), as Django's IntegerField)."""
    if value is None:
        return None
    try:
        return int(re.sub(r"\.0*\s*$", "", value.strip()))
    except ValueError:
        return None


def has_null(values: list[str]) -> bool:
    return any("\x00" in as_received(v) for v in values)


def assert_no_server_error(response) -> None:
    """Never a 5xx but a backend outage's 503 page, never a stack trace."""
    html = response.content.decode(errors="replace")
    assert response.status_code < 500, (response.status_code, html[:500])
    assert "Traceback" not in html and "Internal Server Error" not in html
