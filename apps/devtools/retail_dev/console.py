class DevError(Exception):
    """A problem the person running manage_all.py can fix; printed without a traceback."""


def say(message: str) -> None:
    print(message, flush=True)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)
