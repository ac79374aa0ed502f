"""Step 4 of the consumer pipeline: keep a record as a failed event (dead-letter topic, or unforwardable)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from retail_common.events.consumer.decode import event_id_of
from retail_common.events.failed import failed_event_record

logger = logging.getLogger("retail_common.events")


def store_failed(msg, *, group: str, topic: str, error: tuple[str, str] | None = None) -> None:
    """Record the message as a failed event, whatever its bytes, in a transaction of its own. A database
    that is down raises (the record is redelivered later); a row the database refuses anyway is stored
    as bytes alone."""
    record = {"group": group, "topic": topic, "key": msg.key(), "value": msg.value()}
    with transaction.atomic():
        try:
            with transaction.atomic():
                failed_event_record(
                    **record, headers=msg.headers() or [], event_id=event_id_of(msg.value()), error=error
                )
        except (OperationalError, InterfaceError):
            raise
        except DatabaseError as exc:
            logger.exception("failed event kept as raw bytes only", extra={"topic": topic, "group": group})
            minimal = {**record, "key": None, "headers": [], "event_id": None}
            failed_event_record(**minimal, error=("UnstorableRecord", f"{type(exc).__name__}: {exc}"))
