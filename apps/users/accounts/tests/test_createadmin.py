import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createadmin_creates_then_updates_an_admin(capsys):
    call_command("createadmin", email="Boss@Retail.test", password="retail-admin-pass")
    call_command("createadmin", email="boss@retail.test", password="another-admin-pass")

    user = User.objects.get()
    assert (user.email, user.role, user.is_staff, user.is_superuser) == ("boss@retail.test", "ADMIN", True, True)
    assert user.check_password("another-admin-pass")
    out = capsys.readouterr().out
    assert "Created ADMIN boss@retail.test" in out and "Updated ADMIN boss@retail.test" in out


def test_createadmin_refuses_a_weak_password():
    with pytest.raises(CommandError, match="password: This password is too short"):
        call_command("createadmin", email="boss@retail.test", password="short")

    assert not User.objects.exists()
