"""Pytest fixtures every project's tests share; enable with `pytest_plugins = ["retail_dev.testing.fixtures"]`."""

import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from retail_dev.testing import bearer


@pytest.fixture(autouse=True)
def _clean_redis():
    """Rate-limit counters and cached data live in the test Redis database; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _outbox_sender_connection(django_db_setup):
    """The outbox's sender thread keeps its connection; close it before the test database is dropped."""
    yield
    from django.apps import apps

    if apps.is_installed("retail_common"):  # the storefront uses this plugin without the app
        from retail_common.events.outbox.sender import outbox_sender_release

        outbox_sender_release()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customer_auth() -> dict:
    """Headers of a CUSTOMER's access token signed with the dev/test key."""
    from retail_dev import tokens

    return bearer(tokens.mint(role="CUSTOMER"))


@pytest.fixture
def admin_auth() -> dict:
    from retail_dev import tokens

    return bearer(tokens.mint(role="ADMIN", email="admin@retail.test"))


@pytest.fixture
def alice() -> tuple[uuid.UUID, dict]:
    """A CUSTOMER of her own: (her user id, headers of her access token)."""
    from retail_dev import tokens

    user_id = uuid.uuid4()
    return user_id, bearer(tokens.mint(sub=str(user_id), role="CUSTOMER"))
