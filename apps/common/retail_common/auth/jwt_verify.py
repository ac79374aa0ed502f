"""RS256 access tokens through djangorestframework-simplejwt, plus the little it lacks.

simplejwt decodes the token and checks its signature, `exp`, `iss`, `aud` (with `LEEWAY`), `jti`
and token type, configured by `SIMPLE_JWT`. Thin layers on top:
- several verification keys chosen by `kid` (a PEM bundle during a key rotation, or the users
  service's JWKS), with the algorithm pinned before a key is chosen, so `alg: none` and HS256
  "signed" with the public key are refused, as is an unknown `kid`;
- `kid` in the header of the tokens users signs;
- a cache of verified tokens (see TokenVerifier).
"""

from __future__ import annotations

import threading
import time
from functools import cached_property

import jwt
from cachetools import TTLCache
from django.core.signals import setting_changed
from rest_framework_simplejwt import settings as simplejwt  # its api_settings is replaced when SIMPLE_JWT changes
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenBackendError, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from retail_common.auth.jwt_keys import InvalidKey, key_id, load_public_keys
from retail_common.config.secrets import resolve_secret
from retail_common.domain.codes import ErrorCode

ALGORITHM = "RS256"
# simplejwt requires exp, jti and the token type; a retail access token also names its user and age.
REQUIRED_CLAIMS = ("sub", "iat")
JWKS_TIMEOUT_SECONDS = 3.0  # simplejwt's own JWKS client has no timeout: a JWKS outage must not hang requests


class InvalidToken(Exception):
    """The token must not be trusted; `code` says why (for the API error)."""

    def __init__(self, message: str, code: str = "token_invalid"):
        super().__init__(message)
        self.code = code


class RetailTokenBackend(TokenBackend):
    """simplejwt's backend with several keys by `kid`: `verifying_keys` ({kid: key}) or the JWKS at `jwk_url`."""

    def __init__(self, *, verifying_keys: dict | None = None, jwk_url: str | None = None, signing_key=None):
        super().__init__(
            ALGORITHM,
            signing_key=signing_key,
            audience=simplejwt.api_settings.AUDIENCE,
            issuer=simplejwt.api_settings.ISSUER,
            leeway=simplejwt.api_settings.LEEWAY,
        )
        self.verifying_keys = verifying_keys or {}
        if jwk_url:  # an unknown kid refetches the set once, so a new key is picked up at once
            self.jwks_client = jwt.PyJWKClient(jwk_url, cache_keys=True, lifespan=300, timeout=JWKS_TIMEOUT_SECONDS)

    @cached_property
    def signing_kid(self) -> str:
        return key_id(self.prepared_signing_key.public_key())

    def get_verifying_key(self, token):
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenBackendError("Token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise TokenBackendError(f"Token algorithm must be {ALGORITHM}.")
        kid = header.get("kid")
        key = None
        if isinstance(kid, str) and self.jwks_client is not None:
            try:
                key = self.jwks_client.get_signing_key(kid).key
            except jwt.PyJWKClientError:
                key = None
        elif isinstance(kid, str):
            key = self.verifying_keys.get(kid)
        if key is None:
            raise TokenBackendError("Token was signed with an unknown key (kid).")
        return key

    def encode(self, payload: dict) -> str:
        claims = {**payload, "aud": self.audience, "iss": self.issuer}
        return jwt.encode(claims, self.prepared_signing_key, algorithm=ALGORITHM, headers={"kid": self.signing_kid})


class RetailAccessToken(AccessToken):
    """simplejwt's access token, checked by a RetailTokenBackend; tokens without a type count as access tokens."""

    def __init__(self, token=None, verify: bool = True, *, backend: TokenBackend | None = None):
        self._token_backend = backend or default_verifier.backend
        super().__init__(token, verify)

    def verify(self) -> None:
        super().verify()
        for claim in REQUIRED_CLAIMS:
            if claim not in self.payload:
                raise TokenError(f"Token has no '{claim}' claim.")

    def verify_token_type(self) -> None:
        if self.payload.get(simplejwt.api_settings.TOKEN_TYPE_CLAIM, self.token_type) != self.token_type:
            raise TokenError("Token is not an access token.")


class TokenVerifier:
    """Claims of valid access tokens, answered from a cache for tokens verified in the last `ttl` seconds.

    A client sends the same token for minutes, and the RS256 check was the largest single cost of an
    authenticated request (docs/benchmarks.md, bench auth); a key removed from the JWKS stops being
    honoured within `ttl`. Expiry is checked on every use.
    """

    def __init__(self, backend: RetailTokenBackend, *, size: int = 4096, ttl: float = 60.0):
        self.backend = backend
        self.leeway_seconds = backend.get_leeway().total_seconds()
        self.verified: TTLCache = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict:
        """Return the claims of a valid access token, or raise InvalidToken."""
        with self._lock:
            try:  # cheaper than .get(), which checks the entry's expiry twice
                claims = self.verified[token]
            except KeyError:
                claims = None
        if claims is not None:
            if claims["exp"] + self.leeway_seconds <= time.time():
                raise InvalidToken("Token has expired.", code=ErrorCode.TOKEN_EXPIRED)
            return claims
        claims = self._verify_signed(token)
        with self._lock:
            self.verified[token] = claims
        return claims

    def _verify_signed(self, token: str) -> dict:
        try:
            return RetailAccessToken(token, backend=self.backend).payload
        except ExpiredTokenError as exc:
            raise InvalidToken("Token has expired.", code=ErrorCode.TOKEN_EXPIRED) from exc
        except TokenError as exc:
            cause = exc.__cause__
            reason = str(cause) if isinstance(cause, TokenBackendError) else str(exc)
            raise InvalidToken(f"Token is invalid: {reason}") from exc


def verifying_backend() -> RetailTokenBackend:
    """The keys every service trusts: the JWKS at SIMPLE_JWT['JWK_URL'], else the PEM bundle JWT_PUBLIC_KEYS."""
    if simplejwt.api_settings.JWK_URL:
        return RetailTokenBackend(jwk_url=simplejwt.api_settings.JWK_URL)
    return RetailTokenBackend(verifying_keys=load_public_keys(resolve_secret("JWT_PUBLIC_KEYS")))


class _DefaultVerifier:
    """The process-wide verifier, built lazily from settings (thread-safe) and rebuilt when they change."""

    _lock = threading.Lock()

    @cached_property
    def verifier(self) -> TokenVerifier:
        return TokenVerifier(verifying_backend())

    @property
    def backend(self) -> RetailTokenBackend:
        return self.get().backend

    def get(self) -> TokenVerifier:
        with self._lock:
            return self.verifier

    def reset(self) -> None:
        self.__dict__.pop("verifier", None)


default_verifier = _DefaultVerifier()


def _reset_on_settings_change(*, setting, **kwargs) -> None:
    if setting in ("SIMPLE_JWT", "RETAIL"):
        default_verifier.reset()


setting_changed.connect(_reset_on_settings_change)


def verify_access_token(token: str) -> dict:
    return default_verifier.get().verify(token)


__all__ = ["InvalidKey", "InvalidToken", "TokenVerifier", "default_verifier", "verify_access_token"]
