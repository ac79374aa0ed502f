from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import account_ensure
from retail_common.domain.errors import DomainError


class Command(BaseCommand):
    help = "Create (or update) an account with the given password and role; used by `manage_all.py seed`."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--skip-password-validation", action="store_true", help="For fixed dev accounts only (manage_all.py seed)."
        )
        parser.add_argument("--role", choices=Role.values, default=Role.CUSTOMER)

    def handle(self, *args, email, password, role, **options):
        try:
            user, created = account_ensure(
                email=email, password=password, role=role, validate=not options["skip_password_validation"]
            )
        except DomainError as exc:
            fields = getattr(exc, "fields", None) or {}
            messages = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in fields.items())
            messages = messages or exc.detail
            raise CommandError(f"Cannot create {email}: {messages}") from exc
        self.stdout.write(self.style.SUCCESS(f"{'Created' if created else 'Updated'} {role} {user.email}"))
