"""`manage_all.py seed`: the demo catalog and, for dev, the two dev accounts of docs/architecture.md §10."""

import subprocess

from retail_dev.commands.createadmin import admin_ensure
from retail_dev.console import DevError, step
from retail_dev.environment import Infra, manage_cmd, migrate_all, project_env
from retail_dev.projects import by_name

help = "Load the demo catalog (idempotent) and create the dev accounts admin@retail.test and shopper@retail.test."

DEV_ADMIN = ("admin@retail.test", "retail-admin-pass")
DEV_SHOPPER = ("shopper@retail.test", "retail-shopper-pass")


def add_arguments(parser) -> None:
    parser.add_argument("--no-accounts", action="store_true", help="Only the catalog.")


def seed_all(*, accounts: bool = True, mode: str = "dev") -> None:
    inventory = by_name("inventory")
    step("seed: demo catalog")
    if subprocess.call(manage_cmd(inventory, "seed_catalog"), cwd=inventory.path, env=project_env(inventory, mode)):
        raise DevError("seed_catalog failed (see above)")
    if not accounts:
        return
    step(f"seed: dev accounts {DEV_ADMIN[0]} (ADMIN) and {DEV_SHOPPER[0]} (CUSTOMER)")
    admin_ensure(*DEV_ADMIN, mode=mode, weak_password_ok=True)
    users = by_name("users")
    email, password = DEV_SHOPPER
    shopper = manage_cmd(
        users, "ensure_account", "--email", email, "--password", password, "--skip-password-validation"
    )
    if subprocess.call(shopper, cwd=users.path, env=project_env(users, mode)):
        raise DevError("creating the dev shopper failed (see above)")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        migrate_all()
        seed_all(accounts=not args.no_accounts)
    finally:
        infra.stop_started()
    return 0
