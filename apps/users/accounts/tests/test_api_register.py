import uuid

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db

URL = "/api/auth/register"


def register(api, **overrides):
    body = {"email": "new@retail.test", "password": "Correct-Horse-42", "first_name": "Grace", "last_name": "Hopper"}
    body.update(overrides)
    return api.post(URL, body, format="json")


def test_register_creates_customer_with_argon2id_hash(api):
    response = register(api, email="New.Person@Retail.TEST")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "first_name", "last_name", "role"}
    assert body["email"] == "new.person@retail.test"
    assert (body["first_name"], body["last_name"], body["role"]) == ("Grace", "Hopper", "CUSTOMER")
    user = User.objects.get(id=uuid.UUID(body["id"]))
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("Correct-Horse-42")


def test_register_ignores_a_requested_role(api):
    response = register(api, role="ADMIN")

    assert response.status_code == 201
    assert response.json()["role"] == "CUSTOMER"
    assert User.objects.get().role == "CUSTOMER"


def test_duplicate_email_is_409_whatever_its_case(api, customer):
    response = register(api, email=customer.email.upper())

    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email already exists.", "code": "email_taken"}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab1!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("7392018456", "This password is entirely numeric."),
        ("grace.hopper.retail", "The password is too similar to the email."),
    ],
)
def test_weak_password_is_400_naming_the_rule(api, password, rule):
    response = register(api, password=password, email="grace.hopper@retail.test")

    assert response.status_code == 400
    assert rule in response.json()["password"]
    assert not User.objects.exists()


def test_invalid_fields_are_named(api):
    response = api.post(URL, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "email": ["Enter a valid email address."],
        "password": ["This field is required."],
    }
    assert not User.objects.exists()


def test_malformed_json_is_400(api):
    response = api.post(URL, data='{"email": "x@retail.test", ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")
    assert not User.objects.exists()


def test_register_is_rate_limited_per_ip(api, settings):
    settings.USERS_RATE_REGISTER_PER_IP = "3/h"
    statuses = [register(api, email=f"r{n}@retail.test").status_code for n in range(4)]

    assert statuses == [201, 201, 201, 429]
    assert User.objects.count() == 3
