"""Text that cannot be stored: NUL (U+0000), which PostgreSQL refuses in text, and lone surrogates
(U+D800..U+DFFF, e.g. `"\\ud800"` in JSON), which UTF-8 cannot encode. Either one reaching a query
or an INSERT used to end as a 500; the request middleware and the JSON parser refuse them first.
"""

from __future__ import annotations

import re

UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
INVALID_CHARACTERS = "invalid_characters"  # the error code of every such refusal


def text_problem(value: str) -> str | None:
    """What makes `value` unstorable ("a NUL character ..." or "a lone surrogate ..."), or None."""
    found = UNSAFE_TEXT.search(value)
    if found is None:
        return None
    return "a NUL character (U+0000)" if found.group() == "\x00" else "a lone surrogate (U+D800..U+DFFF)"


def json_text_problem(value, path: str = "$") -> str | None:
    """The first string (or object key) of parsed JSON holding unstorable text, named by its JSON path."""
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{path} contains {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key)
            if problem:
                return f"A key of {path} contains {problem}"
            found = json_text_problem(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = json_text_problem(item, f"{path}[{index}]")
            if found:
                return found
    return None
