import pytest

from retail_common_tests import tokens

pytest_plugins = ["retail_common.testing"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def customer_auth() -> dict:
    return bearer(tokens.mint(role="CUSTOMER"))


@pytest.fixture
def admin_auth() -> dict:
    return bearer(tokens.mint(role="ADMIN", email="admin@retail.test"))
