from retail_dev.console import step
from retail_dev.environment import Infra, manage_run, migrate_all
from retail_dev.projects import services

help = "Create (or update) an ADMIN user in users, who is also Django-admin staff in every service."


def add_arguments(parser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)


def admin_ensure(email: str, password: str, mode: str = "dev", *, weak_password_ok: bool = False) -> None:
    """The ADMIN account in users, and a Django-admin superuser with the same credentials everywhere else."""
    for project in services():
        command = "createadmin" if project.name == "users" else "ensure_staff"
        weak = ["--skip-password-validation"] if weak_password_ok and project.name == "users" else []
        args = [command, "--email", email, "--password", password, *weak]
        manage_run(project, *args, mode=mode, failure=f"{command} failed in {project.name}")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        migrate_all()
        step(f"createadmin {args.email}")
        admin_ensure(args.email, args.password)
    finally:
        infra.stop_started()
    return 0
