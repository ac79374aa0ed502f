import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import login

pytest_plugins = ["retail_dev.testing.fixtures"]


@pytest.fixture
def password():
    return "Correct-Horse-42"


@pytest.fixture
def customer(db, password):
    return UserFactory(password=password)


@pytest.fixture
def admin_user(db, password):
    return UserFactory(password=password, role="ADMIN", is_staff=True)


@pytest.fixture
def tokens(api, customer, password):
    response = login(api, customer.email, password)
    assert response.status_code == 200, response.content
    return response.json()
