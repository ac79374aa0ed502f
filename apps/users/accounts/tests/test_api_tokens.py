import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

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
    blacklisted = [hasattr(token, "blacklistedtoken") for token in OutstandingToken.objects.order_by("id")]
    assert blacklisted == [True, False]  # the presented token is blacklisted, the new one is live


def test_reusing_a_rotated_token_is_401_and_ends_the_session(api, tokens):
    rotated = refresh(api, tokens["refresh"]).json()

    reuse = refresh(api, tokens["refresh"])

    assert reuse.status_code == 401
    assert reuse.json()["code"] == "refresh_invalid"
    # The thief's replay also kills the legitimate holder's newer token.
    assert refresh(api, rotated["refresh"]).status_code == 401
    assert OutstandingToken.objects.count() == 2
    assert not OutstandingToken.objects.filter(blacklistedtoken__isnull=True).exists()


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
    OutstandingToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert refresh(api, tokens["refresh"]).status_code == 401


def test_logout_with_an_expired_refresh_token_still_ends_the_session(api, tokens):
    from accounts.tokens import UsersRefreshToken, signing_backend

    issued = UsersRefreshToken(tokens["refresh"])
    expired = signing_backend().encode({**issued.payload, "exp": int(time.time()) - 60})
    OutstandingToken.objects.filter(jti=issued["jti"]).update(token=expired)  # as if it had been issued so
    rotated = refresh(api, tokens["refresh"]).json()["refresh"]  # (its successor in the same session)

    assert refresh(api, expired).status_code == 401, "expired: no new tokens"
    assert logout(api, expired).status_code == 204
    assert refresh(api, rotated).status_code == 401, "the whole session ended"


def test_logout_with_an_expired_token_that_was_never_issued_is_401(api, tokens):
    from accounts.tokens import UsersRefreshToken, signing_backend

    issued = UsersRefreshToken(tokens["refresh"])
    forged = signing_backend().encode({**issued.payload, "exp": int(time.time()) - 60})  # not the text issued

    assert logout(api, forged).status_code == 401
    assert refresh(api, tokens["refresh"]).status_code == 200, "the session is untouched"


def test_refresh_requires_the_field(api, db):
    response = api.post("/api/auth/refresh", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}


def test_an_access_token_is_no_refresh_token(api, tokens):
    assert refresh(api, tokens["access"]).status_code == 401
    assert logout(api, tokens["access"]).status_code == 401
    assert refresh(api, tokens["refresh"]).status_code == 200  # the session is untouched


def test_a_refresh_token_signed_by_another_key_is_401(api, tokens):
    from retail_dev import tokens as minted

    forged = minted.mint(minted.stranger_private_key(), token_type="refresh")

    assert refresh(api, forged).status_code == 401
    assert OutstandingToken.objects.count() == 1
