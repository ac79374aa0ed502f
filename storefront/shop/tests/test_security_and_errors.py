"""CSRF, security headers and cookies, the friendly error pages, and the health endpoints."""

import json
import os
import re
import socket
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from storefront_service.security import POLICY

from conftest import new_product
from shop import errors

pytestmark = pytest.mark.django_db

COOKIE_SETTINGS = ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY")


def csrf_token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def settings_in_a_new_process(**env_changes) -> dict:
    """The storefront's settings as a fresh process computes them from its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECURE_COOKIES", "DJANGO_DEBUG")}
    env.update(env_changes, DJANGO_SETTINGS_MODULE="storefront_service.settings")
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def listening_backend():
    """A port that accepts connections and records them: every backend pointed here shows whether it was called."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield f"http://127.0.0.1:{server.getsockname()[1]}", server
    server.close()


def test_a_post_without_csrf_token_gets_the_friendly_403(stack):
    browser = Client(enforce_csrf_checks=True)
    product = new_product(stack, on_hand=5)

    refused = browser.post(f"/products/{product['slug']}/add/", {"quantity": 1})

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "The form expired. Go back, reload the page and try again." in html
    assert "CSRF verification failed" not in html
    assert "cart" not in browser.session
    token = csrf_token_of(browser.get(f"/products/{product['slug']}/").content.decode())
    accepted = browser.post(f"/products/{product['slug']}/add/", {"quantity": 1, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302, "the same form with its token goes through"
    assert browser.session["cart"] == {str(product["id"]): 1}


def test_security_headers(client, stack):
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "script-src 'self'" in POLICY and "frame-ancestors 'none'" in POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_session_and_csrf_cookies_are_out_of_scripts_reach(client, stack):
    product = new_product(stack, on_hand=5)

    page = client.get(f"/products/{product['slug']}/")
    added = client.post(f"/products/{product['slug']}/add/", {"quantity": 1})

    session_cookie = added.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"
    assert page.cookies[django_settings.CSRF_COOKIE_NAME]["httponly"] is True


def test_cookies_are_secure_with_production_settings():
    production = settings_in_a_new_process()

    assert production == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }
    assert settings_in_a_new_process(SECURE_COOKIES="0")["SESSION_COOKIE_SECURE"] is False, "the plain-http opt-out"


def test_an_unknown_page_is_a_friendly_html_404(client, stack):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "We could not find that page" in html
    assert 'role="search"' in html, "a way on: search the shop"
    assert "Traceback" not in html and "urlpatterns" not in html


def test_the_500_page_renders_without_calling_any_backend(settings, listening_backend):
    url, server = listening_backend
    settings.STOREFRONT_BACKENDS = dict.fromkeys(("users", "inventory", "orders", "payments"), url)
    request = RequestFactory().get("/anything/")

    response = errors.server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Your cart and orders are safe." in html
    assert "Traceback" not in html
    with pytest.raises(BlockingIOError):
        server.accept()  # nobody connected: not even the categories menu was fetched


def test_health_endpoints(client):
    alive = client.get("/healthz")
    ready = client.get("/readyz")

    assert alive.status_code == 200
    assert alive.json() == {"status": "ok", "service": "storefront"}
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ok"
    assert set(ready.json()["checks"].values()) == {"ok"}
    assert {"postgres", "redis"} <= set(ready.json()["checks"])
