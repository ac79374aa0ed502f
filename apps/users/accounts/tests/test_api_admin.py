import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import login
from retail_dev.testing import bearer

pytestmark = pytest.mark.django_db

URL = "/api/admin/users"


def test_customer_is_403_on_admin_endpoints(api, tokens):
    response = api.get(URL, **bearer(tokens["access"]))

    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint requires the ADMIN role.", "code": "permission_denied"}


def test_anonymous_is_401_on_admin_endpoints(api, db):
    assert api.get(URL).status_code == 401


def test_admin_lists_users_paginated(api, admin_user, customer, password):
    UserFactory.create_batch(3)
    access = login(api, admin_user.email, password).json()["access"]

    response = api.get(URL, {"role": "CUSTOMER"}, **bearer(access))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert {u["role"] for u in body["results"]} == {"CUSTOMER"}
    assert set(body["results"][0]) == {
        "id",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    }
    assert body["next"] is None and body["previous"] is None
