import pytest

from accounts.tests.helpers import login
from retail_common.auth.jwt_verify import verify_access_token

pytestmark = pytest.mark.django_db


def test_login_returns_a_verifiable_rs256_token_pair(api, customer, password, settings):
    response = login(api, customer.email.upper(), password)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.JWT_ACCESS_TTL_SECONDS == 900
    claims = verify_access_token(body["access"])
    assert claims["sub"] == str(customer.id)
    assert (claims["email"], claims["role"], claims["iss"], claims["aud"]) == (
        customer.email,
        "CUSTOMER",
        "retail-users",
        "retail",
    )
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize("email_kind", ["wrong password", "unknown email"])
def test_bad_credentials_are_401_with_one_message(api, customer, email_kind):
    email = customer.email if email_kind == "wrong password" else "nobody@retail.test"
    response = login(api, email, "Wrong-Horse-42")

    assert response.status_code == 401
    assert response.json() == {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}
    assert customer.outstandingtoken_set.count() == 0


def test_disabled_account_cannot_log_in(api, customer, password):
    customer.is_active = False
    customer.save()

    assert login(api, customer.email, password).status_code == 401


@pytest.fixture
def hourly_limits(settings):
    """The login limits' counts, over an hour: django-ratelimit's fixed windows restart at a second that
    depends on the key, and a slow run of these logins could straddle a minute window's restart."""
    settings.USERS_RATE_LOGIN_PER_IP_EMAIL = "5/h"
    settings.USERS_RATE_LOGIN_PER_IP = "20/h"


def test_brute_force_gets_429_with_retry_after(api, customer, password, hourly_limits):
    statuses = [login(api, customer.email, "Wrong-Horse-42").status_code for _ in range(5)]
    blocked = login(api, customer.email, password)

    assert statuses == [401] * 5
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert 1 <= int(blocked["Retry-After"]) <= 3600
    assert customer.outstandingtoken_set.count() == 0


def test_per_ip_email_limit_does_not_block_other_ips(api, customer, password, hourly_limits):
    for _ in range(5):
        login(api, customer.email, "Wrong-Horse-42")

    assert login(api, customer.email, password, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_per_ip_limit_spans_emails(api, db, hourly_limits):
    statuses = [login(api, f"user{n}@retail.test", "Wrong-Horse-42").status_code for n in range(21)]

    assert statuses == [401] * 20 + [429]
