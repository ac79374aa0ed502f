from django.db.models import QuerySet

from accounts.models import User


def user_list(*, role: str | None = None) -> QuerySet[User]:
    users = User.objects.order_by("-date_joined")
    return users.filter(role=role) if role else users
