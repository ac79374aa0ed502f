import subprocess

from retail_dev.console import DevError, step
from retail_dev.environment import Infra, manage_cmd, project_env
from retail_dev.projects import by_name

help = "Create (or update) an ADMIN user in users, who can also log into Django admin."


def add_arguments(parser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        users = by_name("users")
        from retail_dev.commands.migrate import migrate_all

        migrate_all()
        step(f"createadmin {args.email}")
        command = manage_cmd(users, "createadmin", "--email", args.email, "--password", args.password)
        if subprocess.call(command, cwd=users.path, env=project_env(users)) != 0:
            raise DevError("createadmin failed (see above)")
    finally:
        infra.stop_started()
    return 0
