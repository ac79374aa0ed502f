"""Handlers of the test project's consumer group, used by tests that run `run_consumers` as a process."""

import os
import time
from pathlib import Path

from retail_common.events.handlers import event_handler
from retail_common_tests.models import Effect


@event_handler("order-created", group="common-tests")
def record_effect(event) -> None:
    Effect.objects.create(key=event.key, event_id=event.event_id)
    if event.key.startswith("slow-"):
        marker = os.environ.get("SLOW_HANDLER_MARKER")
        if marker:
            Path(marker).touch()
        time.sleep(3)  # long enough for the test to send SIGTERM mid-handler


@event_handler("order-created", group="bench")
def bench_noop(event) -> None:
    """The benchmark's trivial handler: the inbox write around it is the work measured."""
