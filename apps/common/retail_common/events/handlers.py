"""Registration of event handlers by (topic, group); a service lists its handler modules in
RETAIL['EVENT_HANDLER_MODULES'] and run_consumers imports them."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from retail_common.config.retail_settings import retail_settings


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    event_type: str
    key: str
    payload: dict
    occurred_at: str
    source: str
    topic: str
    headers: dict


Handler = Callable[[Event], None]
_HANDLERS: dict[tuple[str, str], Handler] = {}


def event_handler(topic: str, *, group: str, in_transaction: bool = True):
    """Register `fn(event)` as group's handler of topic; it runs inside the inbox transaction.

    in_transaction=False: it runs before the inbox row is written, outside any transaction, and opens
    its own: for a call to the outside world (a payment gateway) that must not hold a transaction
    open. It must then be idempotent by itself: a crash before the inbox row runs it again."""

    def register(fn: Handler) -> Handler:
        fn.in_transaction = in_transaction
        _HANDLERS[(topic, group)] = fn
        return fn

    return register


def handlers_for(group: str) -> dict[str, Handler]:
    load_handler_modules()
    return {topic: fn for (topic, g), fn in _HANDLERS.items() if g == group}


def registered_groups() -> list[str]:
    load_handler_modules()
    return sorted({g for (_, g) in _HANDLERS})


def load_handler_modules() -> None:
    for module in retail_settings().EVENT_HANDLER_MODULES:
        importlib.import_module(module)
