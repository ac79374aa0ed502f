"""Key parsing and the JWKS key source (served by a real local HTTP server)."""

from http.server import ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from retail_common.auth.jwt_keys import InvalidKey, generate_key_pair, key_id, load_public_keys, public_jwk
from retail_common.auth.jwt_verify import RetailTokenBackend, TokenVerifier
from retail_dev import tokens
from retail_dev.stub_http import StubHandler, serving


def test_bundle_of_two_keys_is_indexed_by_thumbprint():
    (_, first), (_, second) = generate_key_pair(), generate_key_pair()
    keys = load_public_keys(first + second)
    assert len(keys) == 2
    for kid, key in keys.items():
        assert key_id(key) == kid


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        ("", "no PEM public key found"),
        ("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----", "not a valid PEM"),
    ],
)
def test_unusable_bundle_is_refused_with_reason(pem, message):
    with pytest.raises(InvalidKey, match=message):
        load_public_keys(pem)


def test_short_rsa_key_is_refused():
    from cryptography.hazmat.primitives import serialization

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    pem = weak.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(InvalidKey, match="at least 2048"):
        load_public_keys(pem)


def test_public_jwk_has_no_private_parts():
    jwk = public_jwk(tokens.trusted_private_key().public_key())
    assert set(jwk) == {"kty", "use", "alg", "kid", "n", "e"}


class JwksServer(ThreadingHTTPServer):
    def __init__(self, jwks: dict):
        self.jwks = jwks
        self.hits = 0
        super().__init__(("127.0.0.1", 0), JwksHandler)


class JwksHandler(StubHandler):
    def do_GET(self):
        self.server.hits += 1
        self.reply(200, self.server.jwks)


@pytest.fixture
def jwks_server():
    server = JwksServer({"keys": [public_jwk(tokens.trusted_private_key().public_key())]})
    with serving(server):
        yield server


def test_jwks_source_verifies_and_caches_keys(jwks_server):
    url = f"http://127.0.0.1:{jwks_server.server_address[1]}/.well-known/jwks.json"
    verifier = TokenVerifier(RetailTokenBackend(jwk_url=url))
    for _ in range(3):
        assert verifier.verify(tokens.mint(email="jwks@retail.test"))["email"] == "jwks@retail.test"
    assert jwks_server.hits == 1


def test_jwks_source_refuses_unknown_kid(jwks_server):
    from retail_common.auth.jwt_verify import InvalidToken

    url = f"http://127.0.0.1:{jwks_server.server_address[1]}/jwks"
    verifier = TokenVerifier(RetailTokenBackend(jwk_url=url))
    with pytest.raises(InvalidToken, match="unknown key"):
        verifier.verify(tokens.mint(tokens.stranger_private_key()))


def test_jwks_url_setting_switches_the_default_verifier(api, settings, jwks_server):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "JWK_URL": f"http://127.0.0.1:{jwks_server.server_address[1]}/j"}
    response = api.get("/t/whoami", HTTP_AUTHORIZATION=f"Bearer {tokens.mint()}")
    assert response.status_code == 200
    assert jwks_server.hits == 1
