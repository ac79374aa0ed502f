"""Short-lived Python children under a Supervisor, for the tests of the supervisor and of `dev`."""

from __future__ import annotations

import os
import sys

from retail_dev.supervisor import Child, Supervisor


def spawn(supervisor: Supervisor, label: str, code: str, *args: str) -> Child:
    """`python -c code args...` as the supervisor's child `label`, with this process's environment."""
    return supervisor.spawn(label, [sys.executable, "-c", code, *args], env=dict(os.environ), cwd=None)
