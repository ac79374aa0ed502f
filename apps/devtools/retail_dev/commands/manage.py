import argparse
import subprocess

from retail_dev.console import DevError
from retail_dev.environment import manage_cmd, project_env
from retail_dev.projects import by_name

help = "Run one project's manage.py with the right environment: manage <project> <args…>."


def add_arguments(parser) -> None:
    parser.add_argument("project")
    parser.add_argument("args", nargs=argparse.REMAINDER)


def run(args) -> int:
    try:
        project = by_name(args.project)
    except KeyError as exc:
        raise DevError(exc.args[0]) from exc
    return subprocess.call(manage_cmd(project, *args.args), cwd=project.path, env=project_env(project))
