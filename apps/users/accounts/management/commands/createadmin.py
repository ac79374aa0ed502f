from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from accounts.services import admin_user_ensure


class Command(BaseCommand):
    help = "Create (or update) an ADMIN user who can also log into Django admin."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, email, password, **options):
        try:
            user, created = admin_user_ensure(email=email, password=password)
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in exc.detail.items())
            raise CommandError(f"Cannot create admin {email}: {messages}") from exc
        self.stdout.write(self.style.SUCCESS(f"{'Created' if created else 'Updated'} ADMIN {user.email} ({user.id})"))
