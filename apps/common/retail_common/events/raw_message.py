"""A consumed record as untrusted bytes: readable previews that PostgreSQL can store, lossless copies,
and header values parsed without ever raising.

Anyone who can write to a topic can send any value, key and headers (NUL bytes, invalid UTF-8,
duplicated or binary headers). Text columns and jsonb refuse NUL and unpaired surrogates, so what a
person reads is an escaped preview, and the exact bytes are kept beside it (bytea, base64 in JSON).
"""

from __future__ import annotations

import base64
import math
import re

PREVIEW_CHARS = 64 * 1024
HEADER_VALUE_CHARS = 2000
# C0 controls other than tab, newline and carriage return, and DEL: shown as \xNN.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

RawHeaders = list[tuple[str, bytes | None]]


def readable_text(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` with controls escaped and unpaired surrogates spelled out: safe for a text column and HTML
    escaping; cut to `limit` characters with a note of how much was left out."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    safe = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", safe)
    if len(safe) <= limit:
        return safe
    note = f"… ({len(safe)} characters in all)"
    return safe[: max(0, limit - len(note))] + note  # never longer than `limit`: it may be a column's size


def readable_bytes(data: bytes | None, limit: int = PREVIEW_CHARS) -> str:
    """Bytes as UTF-8 where they are, `\\xNN` where they are not (NUL and controls escaped too)."""
    if data is None:
        return ""
    return readable_text(data.decode("utf-8", "backslashreplace"), limit)


def headers_readable(raw: RawHeaders) -> dict[str, str]:
    """One readable value per header name (the last one wins, as for a handler's lookups)."""
    return {readable_text(name, 200): readable_bytes(value, HEADER_VALUE_CHARS) for name, value in raw}


def headers_lossless(raw: RawHeaders) -> list[list[str | None]]:
    """Every header in order, duplicates included: [name, base64 of the value or None]. Names are text
    already (librdkafka ends them at a NUL); anything jsonb could not hold is escaped."""
    return [
        [readable_text(name, 1000), None if value is None else base64.b64encode(value).decode()] for name, value in raw
    ]


def headers_from_lossless(stored: list) -> RawHeaders:
    return [(name, None if value is None else base64.b64decode(value)) for name, value in stored]


def header_int(headers: dict[str, str], name: str, default: int, *, low: int = 0, high: int = 2**31 - 1) -> int:
    """A numeric header as an int within [low, high]; anything unreadable is the default."""
    try:
        return min(max(int(headers.get(name) or default), low), high)
    except ValueError:
        return default


def header_time(headers: dict[str, str], name: str, *, latest: float) -> float:
    """A timestamp header, never later than `latest` (a forged far-future value must not pause a
    partition for ever); unreadable or missing is 0 (due now)."""
    try:
        value = float(headers.get(name) or 0)
    except ValueError:
        return 0.0
    return min(value, latest) if math.isfinite(value) else 0.0
