"""RS256 access-token verification with the public key only (no database).

The algorithm is pinned to RS256 before any key is chosen, so `alg: none` and
HS256 tokens "signed" with the public key are refused; the key is picked by
`kid` from a PEM bundle or a JWKS endpoint, and an unknown `kid` is refused.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import jwt
from django.core.signals import setting_changed

from retail_common.jwt_keys import InvalidKey, load_public_keys
from retail_common.settings import retail_settings

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Exception):
    """The token must not be trusted; `code` says why (for the API error)."""

    def __init__(self, message: str, code: str = "token_invalid"):
        super().__init__(message)
        self.code = code


class PemKeySource:
    def __init__(self, pem_bundle: str):
        self.keys = load_public_keys(pem_bundle)

    def get(self, kid: str):
        return self.keys.get(kid)


class JwksKeySource:
    """Keys from the users service's JWKS, cached; an unknown kid triggers one refetch."""

    def __init__(self, url: str, timeout: float = 3.0):
        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=timeout)

    def get(self, kid: str):
        try:
            return self.client.get_signing_key(kid).key
        except jwt.PyJWKClientError:
            return None


class VerifiedTokens:
    """Claims of tokens verified in the last `ttl` seconds. A client sends the same token for minutes,
    and the RS256 check was the largest single cost of an authenticated request; a key removed from
    the JWKS stops being honoured within `ttl`."""

    def __init__(self, size: int = 4096, ttl: float = 60.0):
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry[0] <= time.monotonic():
                return None
            self._entries.move_to_end(token)
            return entry[1]

    def put(self, token: str, claims: dict) -> None:
        with self._lock:
            self._entries[token] = (time.monotonic() + self.ttl, claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


@dataclass
class TokenVerifier:
    key_source: PemKeySource | JwksKeySource
    issuer: str
    audience: str
    leeway: int = 0
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)

    def verify(self, token: str) -> dict:
        """Return the claims of a valid access token, or raise InvalidToken."""
        claims = self.verified.get(token)
        if claims is not None:
            if claims["exp"] + self.leeway <= time.time():  # expiry is checked on every use
                raise InvalidToken("Token has expired.", code="token_expired")
            return claims
        claims = self._verify_signed(token)
        self.verified.put(token, claims)
        return claims

    def _verify_signed(self, token: str) -> dict:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("Token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"Token algorithm must be {ALGORITHM}.")
        kid = header.get("kid")
        key = self.key_source.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("Token was signed with an unknown key (kid).")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("Token has expired.", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"Token is invalid: {exc}.") from exc
        if claims.get("token_type", "access") != "access":
            raise InvalidToken("Token is not an access token.")
        return claims


class _DefaultVerifier:
    """The process-wide verifier, built lazily from settings (thread-safe)."""

    _lock = threading.Lock()

    @cached_property
    def verifier(self) -> TokenVerifier:
        config = retail_settings()
        if config.JWT_JWKS_URL:
            source = JwksKeySource(config.JWT_JWKS_URL)
        else:
            source = PemKeySource(config.jwt_public_keys_pem())
        return TokenVerifier(
            key_source=source, issuer=config.JWT_ISSUER, audience=config.JWT_AUDIENCE, leeway=config.JWT_LEEWAY
        )

    def reset(self) -> None:
        self.__dict__.pop("verifier", None)


default_verifier = _DefaultVerifier()


def _reset_on_settings_change(*, setting, **kwargs) -> None:
    if setting == "RETAIL":
        default_verifier.reset()


setting_changed.connect(_reset_on_settings_change)


def verify_access_token(token: str) -> dict:
    with _DefaultVerifier._lock:
        verifier = default_verifier.verifier
    return verifier.verify(token)


__all__ = ["InvalidKey", "InvalidToken", "TokenVerifier", "default_verifier", "verify_access_token"]
