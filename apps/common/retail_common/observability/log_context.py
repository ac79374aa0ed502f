"""What every log line carries besides its message: service, process role, trace and span ids, request id,
and the order in hand. A logging filter adds them to the record, so the JSON formatter (python-json-logger,
chosen by LOG_FORMAT=json) and the readable one alike can print them and no log call names them."""

from __future__ import annotations

import contextlib
import contextvars
import logging

from retail_common.observability.request_logging import request_id_var
from retail_common.observability.tracing import current_ids, process_role

order_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("order_id", default="")

# The fields of a JSON line, in order; `order_id` (where known) and a call's `extra` follow them.
JSON_FIELDS = "%(levelname)s %(service)s %(process_role)s %(trace_id)s %(span_id)s %(request_id)s %(message)s"
JSON_RENAMES = {"levelname": "level", "process_role": "process", "exc_info": "exception"}
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def order_scope(order_id: str):
    """Log lines inside carry this order id (the saga's consumers and services set it)."""
    token = order_id_var.set(str(order_id or ""))
    try:
        yield
    finally:
        order_id_var.reset(token)


class LogContextFilter(logging.Filter):
    def __init__(self, service: str = "retail", name: str = ""):
        super().__init__(name)
        self.service = service
        self.role = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.role:  # read late: the command line is known once the process runs
            self.role = process_role()
        record.service = self.service
        record.process_role = self.role
        record.trace_id, record.span_id = current_ids()
        # django.request logs after the middleware has returned: fall back to the request itself.
        record.request_id = request_id_var.get() or getattr(getattr(record, "request", None), "request_id", "")
        order_id = order_id_var.get()
        if order_id and not hasattr(record, "order_id"):
            record.order_id = order_id
        return True


def json_formatter_config() -> dict:
    """dictConfig of python-json-logger's formatter with exactly the fields of a line (timestamp in UTC)."""
    from pythonjsonlogger.core import RESERVED_ATTRS

    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": JSON_FIELDS,
        "rename_fields": JSON_RENAMES,
        "timestamp": True,
        # django.request attaches the request object: not data for a log line (nor Python 3.12's taskName).
        "reserved_attrs": [*RESERVED_ATTRS, "request", "taskName"],
    }
