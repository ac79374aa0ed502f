from accounts.management.commands.ensure_account import Command as EnsureAccount
from accounts.models import Role


class Command(EnsureAccount):
    help = "Create (or update) an ADMIN user who can also log into Django admin."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(role=Role.ADMIN)

    def handle(self, *args, **options):
        options["role"] = Role.ADMIN  # whatever --role says: this command makes admins
        super().handle(*args, **options)
