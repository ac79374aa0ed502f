"""Token minting with simplejwt: RS256 access and refresh tokens with `kid`, and the JWKS."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from rest_framework_simplejwt.tokens import RefreshToken

from retail_common.auth.jwt_keys import key_id, load_private_key, load_public_keys, public_jwk
from retail_common.auth.jwt_verify import RetailAccessToken, RetailTokenBackend
from retail_common.config.secrets import resolve_secret


@cache
def published_keys() -> dict:
    """Every verification key users publishes: the signing key plus older keys kept for rotation."""
    public = load_private_key(settings.SIMPLE_JWT["SIGNING_KEY"]).public_key()
    keys = {key_id(public): public}
    older = resolve_secret("JWT_PUBLIC_KEYS", required=False)
    if older:
        keys.update(load_public_keys(older))
    return keys


@cache
def signing_backend() -> RetailTokenBackend:
    """Signs with the private key (JWT_PRIVATE_KEY); checks refresh tokens with the published keys."""
    private = load_private_key(settings.SIMPLE_JWT["SIGNING_KEY"])
    return RetailTokenBackend(signing_key=private, verifying_keys=published_keys())


def _forget_keys(*, setting, **kwargs) -> None:
    if setting == "SIMPLE_JWT":
        published_keys.cache_clear()
        signing_backend.cache_clear()


setting_changed.connect(_forget_keys)


class UsersAccessToken(RetailAccessToken):
    def __init__(self, token=None, verify: bool = True):
        super().__init__(token, verify, backend=signing_backend())


class UsersRefreshToken(RefreshToken):
    """simplejwt's refresh token (an OutstandingToken row per token), signed by users.

    The blacklist is checked by `accounts.services.token_refresh` under a row lock instead of here:
    a blacklisted token presented again must revoke its whole family, not just be refused.
    """

    access_token_class = UsersAccessToken

    def __init__(self, token=None, verify: bool = True):
        self._token_backend = signing_backend()
        super().__init__(token, verify)

    def check_blacklist(self) -> None:
        return None


def access_token_for(user) -> str:
    token = UsersAccessToken.for_user(user)
    token["email"] = user.email
    token["role"] = user.role
    return str(token)


def jwks() -> dict:
    return {"keys": [public_jwk(key) for key in published_keys().values()]}
