"""Minting test tokens with chosen claims, keys and headers.

PyJWT signs the well-formed ones; the malformed tokens (unsigned, tampered, HS256 with the public key)
are built by hand because PyJWT refuses to make them.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from functools import cache

import jwt

from retail_common.auth.jwt_keys import generate_key_pair, key_id, load_private_key
from retail_common.config.secrets import resolve_secret
from retail_common.config.topology import JWT_AUDIENCE, JWT_ISSUER


@cache
def trusted_private_key():
    """The dev/test private key whose public half is in JWT_PUBLIC_KEYS."""
    return load_private_key(resolve_secret("JWT_PRIVATE_KEY"))


@cache
def stranger_private_key():
    return load_private_key(generate_key_pair()[0])


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {
        "sub": str(uuid.uuid4()),
        "email": "shopper@retail.test",
        "role": "CUSTOMER",
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(private_key=None, *, kid: str | None = None, headers: dict | None = None, **claim_overrides) -> str:
    key = private_key or trusted_private_key()
    header = {"kid": kid or key_id(key.public_key()), **(headers or {})}
    return jwt.encode(claims(**claim_overrides), key, algorithm="RS256", headers=header)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, payload: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def hs256_with_public_key() -> str:
    """The classic key-confusion attack: HMAC 'signed' with the RSA public key's PEM."""
    public_pem = resolve_secret("JWT_PUBLIC_KEYS").encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(trusted_private_key().public_key())}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def tampered(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    return f"{header}.{b64(json.dumps(data).encode())}.{signature}"
