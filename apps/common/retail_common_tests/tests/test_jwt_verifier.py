"""The shared verifier, through a real DRF view: every forgery is a 401, a valid token gets in."""

import time

import pytest

from retail_dev import tokens

WHOAMI = "/t/whoami"


def get(api, token):
    return api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_valid_token_is_accepted_without_database(api):
    # No django_db mark: any database access in authentication would raise here.
    response = get(api, tokens.mint(email="ana@retail.test", role="CUSTOMER"))
    assert response.status_code == 200
    assert response.json()["email"] == "ana@retail.test"
    assert response.json()["role"] == "CUSTOMER"


def _trusted_kid():
    from retail_common.auth.jwt_keys import key_id

    return key_id(tokens.trusted_private_key().public_key())


FORGERIES = {
    "alg_none": lambda: tokens.unsigned({"alg": "none", "typ": "JWT"}, tokens.claims()),
    "hs256_signed_with_public_key": tokens.hs256_with_public_key,
    "other_rsa_key_claiming_trusted_kid": lambda: tokens.mint(tokens.stranger_private_key(), kid=_trusted_kid()),
    "other_rsa_key_own_kid": lambda: tokens.mint(tokens.stranger_private_key()),
    "expired": lambda: tokens.mint(exp=int(time.time()) - 60, iat=int(time.time()) - 1000),
    "wrong_audience": lambda: tokens.mint(aud="someone-else"),
    "wrong_issuer": lambda: tokens.mint(iss="https://evil.example"),
    "unknown_kid": lambda: tokens.mint(kid="no-such-key"),
    "missing_kid": lambda: tokens.unsigned({"alg": "RS256", "typ": "JWT"}, tokens.claims(), b"x" * 256),
    "tampered_payload": lambda: tokens.tampered(tokens.mint(role="CUSTOMER"), role="ADMIN"),
    "missing_exp_claim": lambda: tokens.mint(exp=None),
    "refresh_token_type": lambda: tokens.mint(token_type="refresh"),
    "garbage": lambda: "not.a.jwt",
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_or_invalid_token_is_refused_with_401(api, forgery):
    response = get(api, forgery())
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] in {"token_invalid", "token_expired"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_says_expired(api):
    response = get(api, tokens.mint(exp=int(time.time()) - 60, iat=int(time.time()) - 1000))
    assert response.json() == {"detail": "Token has expired.", "code": "token_expired"}


def test_missing_credentials_is_401_naming_the_scheme(api):
    response = api.get(WHOAMI)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_customer_is_forbidden_on_admin_only(api, customer_auth):
    response = api.get("/t/admin-only", **customer_auth)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_admin_role_passes_admin_only(api, admin_auth):
    assert api.get("/t/admin-only", **admin_auth).status_code == 200


def test_a_token_verified_before_skips_the_signature_check_but_still_expires(monkeypatch):
    from retail_common.auth.jwt_verify import InvalidToken, TokenVerifier, verifying_backend

    verifier = TokenVerifier(verifying_backend())
    checks = []
    signed = verifier._verify_signed
    monkeypatch.setattr(verifier, "_verify_signed", lambda token: checks.append(token) or signed(token))
    token = tokens.mint(exp=int(time.time()) + 2)

    first, again = verifier.verify(token), verifier.verify(token)
    assert first == again and first["email"] == "shopper@retail.test"
    assert len(checks) == 1, "the second use was answered from the verified-token cache"
    with pytest.raises(InvalidToken):
        verifier.verify(tokens.tampered(token, role="ADMIN"))  # another string: checked in full, refused

    time.sleep(max(0.0, first["exp"] - time.time()) + 0.1)
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(token)
    assert refused.value.code == "token_expired"


def test_verified_tokens_are_forgotten_after_their_ttl_and_beyond_the_size(monkeypatch):
    from retail_common.auth.jwt_verify import TokenVerifier, verifying_backend

    calls = []
    short = TokenVerifier(verifying_backend(), ttl=0.05)
    monkeypatch.setattr(short, "_verify_signed", lambda token: calls.append(token) or {"exp": time.time() + 60})
    short.verify("a")
    short.verify("a")
    assert calls == ["a"]
    time.sleep(0.1)
    short.verify("a")
    assert calls == ["a", "a"], "checked again once the ttl passed"

    calls.clear()
    small = TokenVerifier(verifying_backend(), size=2)
    monkeypatch.setattr(small, "_verify_signed", lambda token: calls.append(token) or {"exp": time.time() + 60})
    for name in ("a", "b", "c", "a", "c"):
        small.verify(name)
    assert calls == ["a", "b", "c", "a"], "the least recently used token left the full cache"
