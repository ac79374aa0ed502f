from retail_dev.console import step
from retail_dev.environment import Infra, manage_run
from retail_dev.projects import web_projects

help = "Apply database migrations of every project."


def add_arguments(parser) -> None:
    pass


def migrate_all(mode: str = "dev") -> None:
    for project in web_projects():
        step(f"migrate {project.name}")
        manage_run(project, "migrate", "--noinput", mode=mode, failure=f"migrations of {project.name} failed")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        migrate_all()
    finally:
        infra.stop_started()
    return 0
