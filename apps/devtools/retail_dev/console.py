"""What manage_all.py prints: a line per message, `==>` before each step, and DevError for a problem the
person can fix.

Plain print, no rich: the output goes to CI logs and pipes as well as to terminals, and the commands
need nothing but a line per message.
"""


class DevError(Exception):
    """A problem the person running manage_all.py can fix; printed without a traceback."""


def say(message: str) -> None:
    print(message, flush=True)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)
