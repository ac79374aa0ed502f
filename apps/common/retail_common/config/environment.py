"""The one reader of environment variables: django-environ's `env`.

Settings modules (retail_common.service_settings, each project's settings.py) read through it, and so do the
few pieces that run before settings exist or outside them (secrets' switches, tracing and its sampler, the
worker roles' heartbeat files and metrics ports, the Vault bootstrap). A secret's *value* is the one
exception: resolve_secret reads it verbatim, since django-environ takes a leading `$` as a reference to
another variable.
"""

from __future__ import annotations

import environ

env = environ.Env()


def number_within(raw: str, low: float, high: float) -> float | None:
    """float(raw) when it lies from low to high (NaN does not), else None: a bounded number read from a variable."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None
