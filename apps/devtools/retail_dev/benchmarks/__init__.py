"""Benchmark suites of `manage_all.py bench <suite>`: every module here with a `run(args) -> dict` is one suite."""
