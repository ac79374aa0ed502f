from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import RefreshToken
from retail_dev.testing import bearer

pytestmark = pytest.mark.django_db


def refresh(api, token):
    return api.post("/api/auth/refresh", {"refresh": token}, format="json")


def logout(api, token):
    return api.post("/api/auth/logout", {"refresh": token}, format="json")


def test_refresh_rotates_the_token(api, tokens):
    response = refresh(api, tokens["refresh"])

    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh"] != tokens["refresh"]
    assert api.get("/api/users/me", **bearer(rotated["access"])).status_code == 200
    assert list(RefreshToken.objects.order_by("created_at").values_list("status", flat=True)) == ["ROTATED", "ACTIVE"]


def test_reusing_a_rotated_token_is_401_and_ends_the_session(api, tokens):
    rotated = refresh(api, tokens["refresh"]).json()

    reuse = refresh(api, tokens["refresh"])

    assert reuse.status_code == 401
    assert reuse.json()["code"] == "refresh_invalid"
    # The thief's replay also kills the legitimate holder's newer token.
    assert refresh(api, rotated["refresh"]).status_code == 401
    assert set(RefreshToken.objects.values_list("status", flat=True)) == {"REVOKED"}


def test_refresh_after_logout_is_401(api, tokens):
    assert logout(api, tokens["refresh"]).status_code == 204
    assert logout(api, tokens["refresh"]).status_code == 204  # repeating a logout is harmless

    response = refresh(api, tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_invalid"


def test_logout_ends_only_that_session(api, customer, password, tokens):
    other = api.post("/api/auth/login", {"email": customer.email, "password": password}, format="json").json()

    logout(api, tokens["refresh"])

    assert refresh(api, other["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 64])
def test_unknown_refresh_tokens_are_401(api, db, token):
    assert refresh(api, token).status_code == 401
    assert logout(api, token).status_code == 401


def test_expired_refresh_token_is_401(api, tokens):
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert refresh(api, tokens["refresh"]).status_code == 401


def test_refresh_requires_the_field(api, db):
    response = api.post("/api/auth/refresh", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}
