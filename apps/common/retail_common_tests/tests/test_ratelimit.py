"""Rate limits count in the shared Redis and answer 429 with Retry-After."""

import pytest

pytestmark = pytest.mark.django_db


def test_fourth_call_in_a_minute_is_429_with_retry_after(api):
    statuses = [api.get("/t/limited", REMOTE_ADDR="10.1.1.1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/t/limited", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_limit_is_per_client(api):
    for _ in range(3):
        api.get("/t/limited", REMOTE_ADDR="10.1.1.2")
    assert api.get("/t/limited", REMOTE_ADDR="10.1.1.3").status_code == 200


def test_counter_is_shared_through_redis():
    from django.core.cache import cache
    from rest_framework.test import APIClient

    first, second = APIClient(), APIClient()  # two "workers": only Redis is shared
    for _ in range(3):
        first.get("/t/limited", REMOTE_ADDR="10.1.1.4")
    assert second.get("/t/limited", REMOTE_ADDR="10.1.1.4").status_code == 429
    assert any(key for key in cache.client.get_client().keys("*"))


def test_a_trusted_proxy_names_the_client_so_shoppers_behind_the_storefront_do_not_share_a_limit(api):
    for _ in range(3):
        api.get("/t/limited", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert api.get("/t/limited", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert api.get("/t/limited", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_an_untrusted_sender_cannot_pick_its_address_with_x_forwarded_for(api):
    for n in range(3):
        api.get("/t/limited", REMOTE_ADDR="10.1.1.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = api.get("/t/limited", REMOTE_ADDR="10.1.1.5", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429
    # Garbage in the header from a trusted proxy falls back to the proxy's own address.
    assert api.get("/t/limited", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip").status_code == 200
