"""DRF authentication for every non-users service: a verified RS256 access token, no DB lookup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rest_framework import authentication, exceptions

from retail_common.jwt_verify import InvalidToken, verify_access_token

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


def bearer_token(request) -> str | None:
    header = authentication.get_authorization_header(request).split()
    if not header or header[0].lower() != b"bearer":
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.", code="token_invalid")
    try:
        return header[1].decode("ascii")
    except UnicodeDecodeError as exc:
        raise exceptions.AuthenticationFailed("Token is malformed.", code="token_invalid") from exc


def claims_to_user(claims: dict) -> TokenUser:
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as exc:
        raise exceptions.AuthenticationFailed("Token subject is not a user id.", code="token_invalid") from exc
    return TokenUser(id=user_id, email=claims.get("email", ""), role=claims.get("role", ROLE_CUSTOMER), claims=claims)


class JWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        try:
            claims = verify_access_token(token)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc), code=exc.code) from exc
        return claims_to_user(claims), claims

    def authenticate_header(self, request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 rather than 403.
        return f'{self.keyword} realm="api"'
