"""Dispatcher of manage_all.py: every module in retail_dev/commands is one command."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from retail_dev import commands
from retail_dev.console import DevError


def load_commands() -> dict:
    found = {}
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found[info.name] = importlib.import_module(f"retail_dev.commands.{info.name}")
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="manage_all.py", description="Retail Platform: run, test and operate every service from one place."
    )
    sub = parser.add_subparsers(dest="command", metavar="command", required=True)
    available = load_commands()
    for name, module in available.items():
        command_parser = sub.add_parser(name, help=module.help, description=module.help)
        module.add_arguments(command_parser)
    args = parser.parse_args(argv)
    try:
        return available[args.command].run(args) or 0
    except DevError as exc:
        print(f"manage_all {args.command}: {exc}", flush=True)
        return 2
    except KeyboardInterrupt:
        return 130
