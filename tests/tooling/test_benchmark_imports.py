"""The benchmarks do not import manage_all.py's commands: what both need lives in a shared module."""

import json
import pkgutil
import subprocess
import sys

import retail_dev.benchmarks

SUITES = sorted(info.name for info in pkgutil.iter_modules(retail_dev.benchmarks.__path__))

# A fresh interpreter: every benchmark module imported, then the retail_dev modules that came with them.
PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(f"retail_dev.benchmarks.{name}")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("retail_dev."))))
"""


def test_no_benchmark_module_imports_a_command():
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", PROBE, *SUITES], text=True))
    assert "retail_dev.benchmarks.auth" in loaded
    assert [name for name in loaded if name == "retail_dev.commands" or name.startswith("retail_dev.commands.")] == []
