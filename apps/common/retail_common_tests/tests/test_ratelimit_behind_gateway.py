"""Client-IP rate limits behind the Istio gateway and sidecars, with the proxy settings of deploy/.

In the cluster a request reaches gunicorn from the pod's own sidecar (127.0.0.6), carrying the
X-Forwarded-For that the ingress gateway completed: whatever the client sent, then the address the
gateway saw (numTrustedProxies 0). These tests use the TRUSTED_PROXY_CIDRS that deploy/base/app.env
sets, so a change there that lets a client choose its own address fails here.
"""

from pathlib import Path

import pytest
from django.test import override_settings

from retail_common.http.ratelimit import _networks

pytestmark = pytest.mark.django_db

APP_ENV = Path(__file__).resolve().parents[4] / "deploy" / "base" / "app.env"
SIDECAR = "127.0.0.6"


def deployed_trusted_proxies() -> list[str]:
    for line in APP_ENV.read_text().splitlines():
        if line.startswith("TRUSTED_PROXY_CIDRS="):
            return line.split("=", 1)[1].split(",")
    raise AssertionError(f"{APP_ENV}: TRUSTED_PROXY_CIDRS is not set")


@pytest.fixture
def mesh(settings):
    _networks.cache_clear()
    with override_settings(TRUSTED_PROXY_CIDRS=deployed_trusted_proxies()):
        yield
    _networks.cache_clear()


def test_the_deployed_ranges_are_the_sidecar_only():
    assert deployed_trusted_proxies() == ["127.0.0.6/32", "::6/128"]


def test_a_forged_forwarded_for_does_not_give_a_client_a_fresh_limit(api, mesh):
    # The shopper at 203.0.113.9 forges a new address on each call; the gateway appends the real one.
    statuses = [
        api.get("/t/limited", REMOTE_ADDR=SIDECAR, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_shoppers_behind_the_gateway_have_limits_of_their_own(api, mesh):
    for _ in range(3):
        api.get("/t/limited", REMOTE_ADDR=SIDECAR, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert api.get("/t/limited", REMOTE_ADDR=SIDECAR, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 429
    assert api.get("/t/limited", REMOTE_ADDR=SIDECAR, HTTP_X_FORWARDED_FOR="203.0.113.11").status_code == 200


def test_a_pod_address_is_not_a_trusted_proxy(api, mesh):
    """Traffic that did not come through the sidecar (a pod's own address) cannot name a client."""
    for n in range(3):
        api.get("/t/limited", REMOTE_ADDR="10.244.1.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert api.get("/t/limited", REMOTE_ADDR="10.244.1.7", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
