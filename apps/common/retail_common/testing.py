"""Pytest fixtures every project's tests share; enable with `pytest_plugins = ["retail_common.testing"]`."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clean_redis():
    """Rate-limit counters and cached data live in the test Redis database; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()
