"""Log lines leave the request path: the caller only enqueues the record, a listener thread formats it
(JSON or text) and writes it to stdout, as the seed's async appenders did.

`QueueStreamHandler` is the `stdout` handler of retail_common.service_settings.logging_config. Its filters (the
trace, request and order ids of retail_common.observability.log_context) run in the caller, where those context
variables live; its formatter runs on the listener. The listener is started on the first line of each
process, so a fork (gunicorn's workers, multiprocessing) starts its own instead of writing to a queue
nobody reads, and `close()` (logging.shutdown at interpreter exit) drains the queue before it returns:
no line is lost at a normal exit. Python 3.11 has no dictConfig support for QueueHandler (3.12 added
it), hence this class.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import os
import queue
import sys
import threading
import weakref

_handlers: weakref.WeakSet = weakref.WeakSet()


def _before_fork() -> None:
    # No listener is in the middle of a write when the process forks: the child's copy of stdout's
    # buffer is consistent (logging itself re-creates the handler locks in the child).
    for handler in list(_handlers):
        handler.target.acquire()


def _after_fork_in_parent() -> None:
    for handler in list(_handlers):
        handler.target.release()


def _after_fork_in_child() -> None:
    # The child inherits the parent's queue (its pending lines are the parent's to write) and a listener
    # thread that does not run here: it gets its own, started on its first line.
    for handler in list(_handlers):
        handler._start_lock = threading.Lock()  # another thread of the parent may have held it
        handler.queue = queue.SimpleQueue()
        handler.listener = None


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


class QueueStreamHandler(logging.handlers.QueueHandler):
    def __init__(self, stream=None):
        super().__init__(queue.SimpleQueue())
        self.target = logging.StreamHandler(stream if stream is not None else sys.stdout)
        self.listener: logging.handlers.QueueListener | None = None
        self._start_lock = threading.Lock()
        _handlers.add(self)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        self.target.setFormatter(fmt)  # formatting is the listener's work, off the caller's thread

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The message is fixed now (its arguments may change after the call); the rest, the exception
        # and stack text included, is formatted by the listener from the same in-process objects.
        record = copy.copy(record)
        record.msg = record.getMessage()
        record.args = None
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        if self.listener is None:
            self._start_listener()
        self.queue.put_nowait(record)

    def _start_listener(self) -> None:
        with self._start_lock:
            if self.listener is not None:
                return
            listener = logging.handlers.QueueListener(self.queue, self.target, respect_handler_level=False)
            listener.start()
            self.listener = listener

    def flush(self) -> None:
        """Write every line enqueued so far (logging.shutdown calls it at exit, before close)."""
        with self._start_lock:
            if self.listener is not None:
                self.listener.stop()  # drains the queue up to its sentinel
                self.listener = None  # the next line starts a listener again
            while True:  # what another thread enqueued while the listener stopped
                try:
                    self.target.handle(self.queue.get_nowait())
                except queue.Empty:
                    break
        self.target.flush()

    def close(self) -> None:
        self.flush()
        self.target.close()
        super().close()
