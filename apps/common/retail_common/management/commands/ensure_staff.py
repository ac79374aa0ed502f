from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create (or update) a Django-admin superuser of this service (its own auth tables); used by createadmin."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, email, password, **options):
        model = get_user_model()
        user = model.objects.filter(**{model.USERNAME_FIELD: email}).first()
        created = user is None
        user = user or model(**{model.USERNAME_FIELD: email})
        if hasattr(user, "email"):
            user.email = email
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} Django-admin staff {email}")
