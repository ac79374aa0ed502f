import jwt
import pytest

from accounts.tokens import signing_backend
from retail_common.auth.jwt_keys import public_jwk

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.mark.parametrize("url", ["/api/auth/jwks", "/.well-known/jwks.json"])
def test_jwks_publishes_the_signing_key_and_no_private_material(api, db, url):
    response = api.get(url)

    assert response.status_code == 200
    keys = response.json()["keys"]
    assert public_jwk(signing_backend().prepared_signing_key.public_key()) in keys
    for key in keys:
        assert set(key) == {"kty", "use", "alg", "kid", "n", "e"}
        assert not PRIVATE_MEMBERS & set(key)
    assert "PRIVATE" not in response.content.decode()


def test_an_issued_token_verifies_with_the_published_key_of_its_kid(api, tokens):
    keys = {k["kid"]: k for k in api.get("/api/auth/jwks").json()["keys"]}
    kid = jwt.get_unverified_header(tokens["access"])["kid"]

    public_key = jwt.PyJWK(keys[kid]).key
    claims = jwt.decode(tokens["access"], public_key, algorithms=["RS256"], audience="retail", issuer="retail-users")

    assert claims["role"] == "CUSTOMER"


def test_an_access_token_carries_the_claims_every_service_reads(api, customer, tokens):
    header = jwt.get_unverified_header(tokens["access"])
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})

    assert header["alg"] == "RS256"
    assert set(claims) == {"sub", "email", "role", "iss", "aud", "iat", "exp", "jti", "token_type"}
    assert (claims["sub"], claims["email"], claims["role"]) == (str(customer.id), customer.email, "CUSTOMER")
    assert (claims["iss"], claims["aud"], claims["token_type"]) == ("retail-users", "retail", "access")
    assert claims["exp"] - claims["iat"] == 900
