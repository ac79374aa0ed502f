import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tests.helpers import login
from retail_dev.testing import bearer

pytestmark = pytest.mark.django_db


def test_profile_of_the_caller(api, customer, tokens):
    response = api.get("/api/users/me", **bearer(tokens["access"]))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "email", "first_name", "last_name", "role", "date_joined"}
    assert (body["id"], body["email"], body["role"]) == (str(customer.id), customer.email, "CUSTOMER")


def test_profile_needs_a_token(api, db):
    response = api.get("/api/users/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_patch_updates_names(api, customer, tokens):
    response = api.patch("/api/users/me", {"first_name": "Grace"}, format="json", **bearer(tokens["access"]))

    assert response.status_code == 200
    assert response.json()["first_name"] == "Grace"
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Grace", "Lovelace")


@pytest.mark.parametrize("field", ["role", "email", "id"])
def test_a_user_cannot_change_their_role_or_email(api, customer, tokens, field):
    value = {"role": "ADMIN", "email": "other@retail.test", "id": "00000000-0000-0000-0000-000000000000"}[field]

    response = api.patch(
        "/api/users/me", {field: value, "first_name": "Eve"}, format="json", **bearer(tokens["access"])
    )

    assert response.status_code == 400
    assert response.json() == {field: ["This field cannot be changed here."]}
    customer.refresh_from_db()
    assert (customer.role, customer.first_name, customer.email) == ("CUSTOMER", "Ada", customer.email)


def test_token_of_a_disabled_account_is_refused(api, customer, tokens):
    customer.is_active = False
    customer.save()

    response = api.get("/api/users/me", **bearer(tokens["access"]))

    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def change_password(api, tokens, old, new):
    return api.post(
        "/api/users/me/password", {"old_password": old, "new_password": new}, format="json", **bearer(tokens["access"])
    )


def test_password_change_replaces_the_password_and_ends_sessions(api, customer, password, tokens):
    response = change_password(api, tokens, password, "Brand-New-Horse-77")

    assert response.status_code == 204
    assert login(api, customer.email, password).status_code == 401
    assert login(api, customer.email, "Brand-New-Horse-77").status_code == 200
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert OutstandingToken.objects.filter(blacklistedtoken__isnull=True).count() == 1  # only the new login


def test_password_change_with_wrong_old_password_is_400(api, customer, password, tokens):
    response = change_password(api, tokens, "Not-My-Password-1", "Brand-New-Horse-77")

    assert response.status_code == 400
    assert response.json() == {"old_password": ["The current password is incorrect."]}
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_password_change_to_a_weak_password_is_400(api, customer, password, tokens):
    response = change_password(api, tokens, password, "12345678")

    assert response.status_code == 400
    assert "This password is entirely numeric." in response.json()["new_password"]
    customer.refresh_from_db()
    assert customer.check_password(password)
