"""Log lines are written off the caller's thread (retail_common.observability.log_queue), and none is lost at exit,
in a forked child included (gunicorn's workers)."""

import json
import logging
import subprocess
import sys
import textwrap
import threading

from retail_common.observability.log_queue import QueueStreamHandler
from retail_common.service_settings import logging_config

LINES = 3000

# A process configured as the services are (LOG_FORMAT=json): N lines, then a normal exit.
CONFIGURE = """
import logging, logging.config, os, sys
os.environ["LOG_FORMAT"] = "json"
from retail_common.service_settings import logging_config
logging.config.dictConfig(logging_config("common"))
log = logging.getLogger("retail.test")
"""


def run_python(code: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines()]


class ThreadRecordingFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(message)s")
        self.threads = []

    def format(self, record):
        self.threads.append(threading.current_thread().name)
        return super().format(record)


def test_the_services_stdout_handler_is_the_queue():
    assert (
        logging_config("common")["handlers"]["stdout"]["class"]
        == "retail_common.observability.log_queue.QueueStreamHandler"
    )


def test_lines_are_formatted_and_written_off_the_callers_thread(capsys):
    handler = QueueStreamHandler(sys.stdout)
    formatter = ThreadRecordingFormatter()
    handler.setFormatter(formatter)
    logger = logging.getLogger("retail.test.queue")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("one %s", "line")
        handler.flush()
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert capsys.readouterr().out == "one line\n"
    assert len(formatter.threads) == 1
    assert formatter.threads[0] != threading.current_thread().name


def test_every_line_reaches_stdout_at_exit():
    lines = run_python(CONFIGURE + f"for i in range({LINES}):\n    log.warning('line %d', i)\n")
    assert [line["message"] for line in lines] == [f"line {i}" for i in range(LINES)]
    assert {line["service"] for line in lines} == {"common"}


def test_a_forked_child_writes_its_own_lines():
    """The parent's listener thread does not exist in the child: the child starts its own."""
    lines = run_python(
        CONFIGURE
        + f"""
log.warning("parent before")
pid = os.fork()
if pid == 0:
    for i in range({LINES}):
        log.warning("child %d", i)
    sys.exit(0)
os.waitpid(pid, 0)
log.warning("parent after")
"""
    )
    messages = [line["message"] for line in lines]
    assert messages[0] == "parent before"
    assert messages[-1] == "parent after"
    assert sorted(messages[1:-1]) == sorted(f"child {i}" for i in range(LINES))
