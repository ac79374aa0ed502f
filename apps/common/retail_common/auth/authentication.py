"""DRF authentication for every service: a verified RS256 access token (simplejwt), no DB lookup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from retail_common.auth.jwt_verify import InvalidToken, verify_access_token

ROLE_ADMIN = "ADMIN"
ROLE_CUSTOMER = "CUSTOMER"


@dataclass(frozen=True)
class TokenUser:
    """The caller as the token describes it; services keep only its id."""

    id: uuid.UUID
    email: str
    role: str
    claims: dict

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_staff(self) -> bool:
        return self.is_admin

    def __str__(self) -> str:
        return self.email


def claims_to_user(claims: dict) -> TokenUser:
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as exc:
        raise exceptions.AuthenticationFailed("Token subject is not a user id.", code="token_invalid") from exc
    return TokenUser(id=user_id, email=claims.get("email", ""), role=claims.get("role", ROLE_CUSTOMER), claims=claims)


class JWTAuthentication(JWTStatelessUserAuthentication):
    """simplejwt's stateless authentication: the caller is who a verified access token says (no DB lookup).

    It answers 401 with `{"detail", "code"}` (codes `token_invalid`, `token_expired`) and
    `WWW-Authenticate: Bearer realm="api"`; verification is retail_common.auth.jwt_verify's (keys by kid, cache).
    """

    def get_raw_token(self, header: bytes) -> str | None:
        parts = header.split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            message = "Authorization header must be 'Bearer <token>'."
            raise exceptions.AuthenticationFailed(message, code="token_invalid")
        try:
            return parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Token is malformed.", code="token_invalid") from exc

    def get_validated_token(self, raw_token: str) -> dict:
        try:
            return verify_access_token(raw_token)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc), code=exc.code) from exc

    def get_user(self, validated_token: dict) -> TokenUser:
        return claims_to_user(validated_token)
