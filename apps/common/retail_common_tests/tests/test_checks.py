"""System checks with retail.* ids fail start-up early with a message saying what to set."""

import pytest
from django.core.checks import run_checks


def ids(**kwargs):
    return {message.id for message in run_checks(**kwargs)}


def test_configuration_of_the_test_project_is_clean():
    assert not {i for i in ids() if i.startswith("retail.")}


def test_missing_public_keys_is_e001(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_PUBLIC_KEYS", raising=False)
    monkeypatch.delenv("SECRETS_VAULT_ADDR", raising=False)
    settings.RETAIL = {**settings.RETAIL}  # drop the cached settings
    messages = [m for m in run_checks() if m.id == "retail.E001"]
    assert messages and "Missing secret JWT_PUBLIC_KEYS" in messages[0].msg


def test_non_http_jwks_url_is_e002(settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "JWK_URL": "file:///etc/passwd"}
    assert "retail.E002" in ids()


def test_garbage_public_keys_is_e003(settings, monkeypatch):
    monkeypatch.setenv("JWT_PUBLIC_KEYS", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
    settings.RETAIL = {**settings.RETAIL}
    assert "retail.E003" in ids()


def test_non_redis_cache_is_e004(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "retail.E004" in ids()


@pytest.mark.parametrize("name", ["JWT_ISUER", "topic_prefix"])
def test_misspelt_setting_is_w001(settings, name):
    settings.RETAIL = {**settings.RETAIL, name: "x"}
    assert "retail.W001" in ids()


@pytest.mark.django_db
def test_ensure_staff_creates_then_updates_a_superuser():
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    out = StringIO()
    call_command("ensure_staff", "--email", "admin@retail.test", "--password", "first-pass-1", stdout=out)
    call_command("ensure_staff", "--email", "admin@retail.test", "--password", "second-pass-2", stdout=out)
    user = get_user_model().objects.get()
    assert (user.is_staff, user.is_superuser, user.email) == (True, True, "admin@retail.test")
    assert user.check_password("second-pass-2")
    assert "Created Django-admin staff" in out.getvalue() and "Updated Django-admin staff" in out.getvalue()
