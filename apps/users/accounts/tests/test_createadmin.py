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


def test_ensure_account_creates_the_fixed_dev_shopper_only_when_told_to_skip_validation():
    with pytest.raises(CommandError, match="too similar"):
        call_command("ensure_account", email="shopper@retail.test", password="retail-shopper-pass")
    call_command(
        "ensure_account", email="shopper@retail.test", password="retail-shopper-pass", skip_password_validation=True
    )
    user = User.objects.get()
    assert (user.role, user.is_staff, user.is_superuser) == ("CUSTOMER", False, False)
    assert user.check_password("retail-shopper-pass")
