import subprocess

from retail_dev.console import DevError, step
from retail_dev.environment import Infra, manage_cmd, project_env
from retail_dev.projects import services

help = "Create (or update) an ADMIN user in users, who is also Django-admin staff in every service."


def add_arguments(parser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)


def admin_ensure(email: str, password: str, mode: str = "dev", *, weak_password_ok: bool = False) -> None:
    """The ADMIN account in users, and a Django-admin superuser with the same credentials everywhere else."""
    for project in services():
        command = "createadmin" if project.name == "users" else "ensure_staff"
        args = manage_cmd(project, command, "--email", email, "--password", password)
        if weak_password_ok and project.name == "users":
            args.append("--skip-password-validation")
        if subprocess.call(args, cwd=project.path, env=project_env(project, mode)) != 0:
            raise DevError(f"{command} failed in {project.name} (see above)")


def run(args) -> int:
    from retail_dev.commands.migrate import migrate_all

    infra = Infra()
    try:
        infra.up()
        migrate_all()
        step(f"createadmin {args.email}")
        admin_ensure(args.email, args.password)
    finally:
        infra.stop_started()
    return 0
