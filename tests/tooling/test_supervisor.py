"""The dev supervisor restarts children that exit, with Kubernetes-like backoff, and stops everything.

Children are real short-lived processes (`python -c`); the supervisor's clock is a fake one the test
moves, so the backoff is stepped through without waiting for it.
"""

import os
import re
import signal

import psutil
import pytest

from retail_dev.supervisor import RestartPolicy, Supervisor
from retail_dev.testing import poll
from retail_dev.testing.processes import spawn

EXIT_3 = "import sys; sys.exit(3)"
READY_THEN_SLEEP = "import time; print('ready', flush=True); time.sleep(600)"
IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"
)
# Starts a grandchild in its own process group (as runserver's autoreloader does), prints its pid.
WITH_GRANDCHILD = (
    "import subprocess, sys, time; "
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
    "print(g.pid, flush=True); sys.exit(1) if sys.argv[1] == 'exit' else time.sleep(600)"
)


class Clock:
    """The supervisor's clock, moved by the test."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def gone(pid: int) -> bool:
    """Not running any more (a zombie waiting for init to reap it counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def supervisor(clock):
    lines = []
    running = Supervisor(quiet=True, restart=RestartPolicy(), clock=clock, log=lines.append)
    running.lines = lines
    yield running
    running.stop_all(timeout=2)


def noticed_exit(supervisor, child) -> None:
    poll(lambda: supervisor.check() or child.state == "backoff", interval=0.025, message=f"{child.label} exits")


def test_a_quiet_supervisor_says_how_a_child_ended_with_its_last_lines(supervisor, clock):
    child = spawn(supervisor, "worker", "import sys; print('cannot serve metrics on :9101', flush=True); sys.exit(1)")
    poll(lambda: list(child.tail), interval=0.025, message="its output is read")
    noticed_exit(supervisor, child)
    said = supervisor.lines[0].splitlines()
    assert said == ["worker exited with code 1; restarting in 1s (restart 1, 1 exit(s) in a row)",
                    "    cannot serve metrics on :9101"]  # fmt: skip


def test_the_policy_doubles_from_one_second_to_thirty():
    policy = RestartPolicy()
    assert [policy.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_policy_forgets_crashes_after_sixty_seconds_up():
    policy = RestartPolicy()
    assert policy.crashes_in_a_row(5, uptime=59.9) == 6
    assert policy.crashes_in_a_row(5, uptime=60.0) == 1
    assert policy.crashes_in_a_row(0, uptime=0.1) == 1


def test_a_child_that_exits_is_restarted_after_its_backoff(supervisor, clock):
    child = spawn(supervisor, "worker", EXIT_3)
    first_pid = child.process.pid
    noticed_exit(supervisor, child)
    assert supervisor.lines == ["worker exited with code 3; restarting in 1s (restart 1, 1 exit(s) in a row)"]
    assert (child.state, child.last_exit, child.restarts) == ("backoff", 3, 0)
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(first_pid, os.WNOHANG)

    clock.now = 0.9
    supervisor.check()
    assert (child.state, child.restarts) == ("backoff", 0)
    clock.now = 1.0
    supervisor.check()
    assert child.restarts == 1
    assert child.process.pid != first_pid
    assert supervisor.snapshot()[0]["restarts"] == 1


def test_quick_exits_back_off_up_to_thirty_seconds_and_a_long_run_resets_it(supervisor, clock):
    child = spawn(supervisor, "worker", EXIT_3)
    for _ in range(7):
        noticed_exit(supervisor, child)
        clock.now = child.restart_at
        supervisor.check()
    delays = [int(re.search(r"restarting in (\d+)s", line).group(1)) for line in supervisor.lines]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert child.restarts == 7

    clock.now += 60  # the exit is noticed 60 s after the last start: it ran long enough
    noticed_exit(supervisor, child)
    assert supervisor.lines[-1] == "worker exited with code 3; restarting in 1s (restart 8, 1 exit(s) in a row)"


def test_a_restart_leaves_no_zombie_and_no_orphaned_grandchild(supervisor, clock):
    child = spawn(supervisor, "reloader", WITH_GRANDCHILD, "exit")
    poll(lambda: child.tail, interval=0.025, message="the grandchild's pid is printed")
    grandchild, first_pid = int(child.tail[0]), child.process.pid
    noticed_exit(supervisor, child)
    poll(lambda: gone(grandchild), interval=0.025, message="the grandchild is killed with its group")
    with pytest.raises(ChildProcessError):
        os.waitpid(first_pid, os.WNOHANG)
    assert child.last_exit == 1


def test_stop_all_stops_every_child_its_group_and_the_waiting_ones(supervisor, clock):
    polite = spawn(supervisor, "polite", WITH_GRANDCHILD, "stay")
    stubborn = spawn(supervisor, "stubborn", IGNORES_SIGTERM)
    crashed = spawn(supervisor, "crashed", EXIT_3)
    poll(lambda: polite.tail and stubborn.tail, interval=0.025, message="both are up")
    grandchild = int(polite.tail[0])
    noticed_exit(supervisor, crashed)

    supervisor.stop_all(timeout=0.5)
    assert polite.process.returncode == -signal.SIGTERM
    assert stubborn.process.returncode == -signal.SIGKILL  # SIGTERM ignored: killed after the timeout
    assert crashed.restarts == 0
    assert supervisor.children == []
    poll(lambda: gone(grandchild), interval=0.025, message="the grandchild of the stopped child is gone")
    clock.now = 100
    supervisor.check()
    assert supervisor.children == []


def test_a_child_stopped_on_purpose_is_not_restarted(supervisor, clock):
    doomed = spawn(supervisor, "doomed", READY_THEN_SLEEP)
    other = spawn(supervisor, "other", READY_THEN_SLEEP)
    supervisor.stop_child("doomed", signal.SIGKILL)
    assert doomed.process.returncode == -signal.SIGKILL
    clock.now = 100
    supervisor.check()
    assert [c.label for c in supervisor.children] == ["other"]
    assert (other.state, other.restarts) == ("running", 0)
    with pytest.raises(KeyError):
        supervisor.child("doomed")


def test_watch_restarts_in_the_background():
    quick = RestartPolicy(initial=0.01, maximum=0.02)
    supervisor = Supervisor(quiet=True, restart=quick)
    try:
        child = spawn(supervisor, "worker", EXIT_3)
        supervisor.watch(interval=0.01)
        poll(lambda: child.restarts >= 3, interval=0.025, message="three restarts")
        assert child.last_exit == 3
    finally:
        supervisor.stop_all(timeout=2)
    assert supervisor.children == []


def test_without_a_policy_a_dead_child_stays_dead_and_is_reported(clock):
    supervisor = Supervisor(quiet=True, clock=clock)
    try:
        child = spawn(supervisor, "once", EXIT_3)
        poll(lambda: supervisor.dead() == [child], interval=0.025, message="the child is reported dead")
        clock.now = 100
        supervisor.check()
        assert (child.process.returncode, child.restarts) == (3, 0)
    finally:
        supervisor.stop_all(timeout=2)
