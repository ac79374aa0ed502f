"""Steps 1-3 for one record of a main or retry topic: decode, dedupe in the inbox and handle, and on a
failure the route to the retry or dead-letter topic, under the record's CONSUMER span (a child of the
producer's) with its log lines carrying the order (the record's key)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from retail_common.events.consumer.decode import POISON, decode, key_of
from retail_common.events.consumer.inbox import handle_once
from retail_common.events.consumer.routing import Forward, attempt_of, route_failure, route_poison
from retail_common.events.handlers import Handler
from retail_common.observability import tracing
from retail_common.observability.log_context import order_scope

logger = logging.getLogger("retail_common.events")


def handle_record(
    msg, *, group: str, topic: str, headers: dict, handlers: Mapping[str, Handler]
) -> tuple[str, Forward | None]:
    """Returns the outcome ("ok", "duplicate" or "failed") and, when failed, where to forward the record."""
    key = key_of(msg)
    with tracing.consumer_span(topic=topic, group=group, msg=msg, headers=headers) as span, order_scope(key):
        outcome, forward = _handle(msg, group=group, topic=topic, headers=headers, key=key, handlers=handlers)
        if forward is not None:
            tracing.span_failed(span, forward.exc)
        return outcome, forward


def _handle(
    msg, *, group: str, topic: str, headers: dict, key: str, handlers: Mapping[str, Handler]
) -> tuple[str, Forward | None]:
    attempt = attempt_of(headers)
    try:
        event = decode(msg, topic=topic, headers=headers, key=key)
    except POISON as exc:
        return "failed", route_poison(msg, topic=topic, group=group, attempt=attempt, exc=exc)
    handler = handlers[topic]
    try:
        first_time = handle_once(group, handler, event)
    except Exception as exc:  # the handler's own failure: next retry topic, then the dead-letter topic
        logger.warning(
            "handler failed", extra={"topic": topic, "group": group, "attempt": attempt + 1, "error": repr(exc)}
        )
        return "failed", route_failure(msg, topic=topic, group=group, attempt=attempt, exc=exc)
    return ("ok" if first_time else "duplicate"), None
