"""Token minting: RS256 access tokens with `kid`, opaque refresh tokens, and the JWKS."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from django.conf import settings

from retail_common.jwt_keys import key_id, load_private_key, load_public_keys, public_jwk
from retail_common.jwt_verify import ALGORITHM
from retail_common.secrets import resolve_secret
from retail_common.settings import retail_settings


@dataclass(frozen=True)
class SigningKey:
    private_key: object
    kid: str


@cache
def signing_key() -> SigningKey:
    private = load_private_key(settings.JWT_PRIVATE_KEY)
    return SigningKey(private_key=private, kid=key_id(private.public_key()))


def access_token_for(user) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "email": user.email,
        "role": user.role,
        "iss": retail_settings().JWT_ISSUER,
        "aud": retail_settings().JWT_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS),
        "jti": uuid.uuid4().hex,
    }
    key = signing_key()
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(48)


def refresh_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def jwks() -> dict:
    """Every published verification key: the signing key plus older keys kept for rotation."""
    keys = {signing_key().kid: signing_key().private_key.public_key()}
    published = resolve_secret("JWT_PUBLIC_KEYS", required=False)
    if published:
        keys.update(load_public_keys(published))
    return {"keys": [public_jwk(k) for k in keys.values()]}
