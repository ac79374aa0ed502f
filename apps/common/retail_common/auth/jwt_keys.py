"""RSA key handling shared by the signer (users) and every verifier.

A key's id (`kid`) is its RFC 7638 JWK thumbprint, so it is derived, never
configured, and the same key always has the same id on every service.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

MIN_KEY_BITS = 2048
PEM_END = "-----END PUBLIC KEY-----"


class InvalidKey(ValueError):
    """A PEM that is not a usable RSA key."""


def key_id(public_key: rsa.RSAPublicKey) -> str:
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey) -> dict:
    """The public JWK of a key: modulus and exponent only, never private parts."""
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": key_id(public_key), "n": jwk["n"], "e": jwk["e"]}


def _checked_rsa(key, what: str):
    if not isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        raise InvalidKey(f"{what} is not an RSA key")
    if key.key_size < MIN_KEY_BITS:
        raise InvalidKey(f"{what} has {key.key_size} bits; at least {MIN_KEY_BITS} are required")
    return key


def load_public_keys(pem_bundle: str) -> dict[str, rsa.RSAPublicKey]:
    """Parse one or more concatenated PEM public keys into {kid: key}."""
    keys: dict[str, rsa.RSAPublicKey] = {}
    blocks = [b + PEM_END for b in pem_bundle.split(PEM_END) if b.strip()]
    for index, block in enumerate(blocks, start=1):
        try:
            key = serialization.load_pem_public_key(block.strip().encode())
        except ValueError as exc:
            raise InvalidKey(f"public key #{index} is not a valid PEM public key") from exc
        key = _checked_rsa(key, f"public key #{index}")
        keys[key_id(key)] = key
    if not keys:
        raise InvalidKey("no PEM public key found")
    return keys


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey("the private key is not a valid unencrypted PEM private key") from exc
    return _checked_rsa(key, "the private key")


def generate_key_pair() -> tuple[str, str]:
    """A new 2048-bit RSA pair as (private PEM, public PEM), for dev and tests."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem
