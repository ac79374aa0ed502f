import subprocess

from retail_dev.console import DevError, step
from retail_dev.environment import Infra, manage_cmd, project_env
from retail_dev.projects import web_projects

help = "Apply database migrations of every project."


def add_arguments(parser) -> None:
    pass


def migrate_all(mode: str = "dev") -> None:
    for project in web_projects():
        step(f"migrate {project.name}")
        command = manage_cmd(project, "migrate", "--noinput")
        if subprocess.call(command, cwd=project.path, env=project_env(project, mode)) != 0:
            raise DevError(f"migrations of {project.name} failed (see above)")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        migrate_all()
    finally:
        infra.stop_started()
    return 0
