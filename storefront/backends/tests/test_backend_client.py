"""BackendClient over real sockets: a small local HTTP server plays a backend that misbehaves on purpose
(the real services cannot be made to answer malformed JSON or to hang)."""

import time
from http.server import ThreadingHTTPServer

import pytest

from backends.http import BackendClient, BackendRejected, BackendUnavailable
from retail_dev.netutil import free_port
from retail_dev.stub_http import StubHandler, serving


class Misbehaving(StubHandler):
    def do_GET(self):
        self._answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self):
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(1.0)
        status, body = {
            "/ok": (200, b'{"fine": true}'),
            "/slow": (200, b"{}"),
            "/missing": (404, b'{"detail": "Not found.", "code": "not_found"}'),
            "/nested": (400, b'{"shipping_address": {"postal_code": ["Enter a valid value."]}}'),
            "/broken-json": (200, b'{"half": '),
            "/gateway": (502, b"bad gateway"),
        }.get(path, (500, b"boom"))
        self.reply(status, body)


@pytest.fixture(scope="module")
def backend_url():
    with serving(ThreadingHTTPServer(("127.0.0.1", free_port()), Misbehaving)) as url:
        yield url


def client(url: str, **options) -> BackendClient:
    return BackendClient("orders", url, **{"timeout": 0.3, "fail_max": 3, "reset_timeout": 60, **options})


def test_a_2xx_answer_is_decoded(backend_url):
    assert client(backend_url).call("GET", "/ok").data == {"fine": True}


def test_a_4xx_is_the_backends_answer_and_never_opens_the_breaker(backend_url):
    orders = client(backend_url)
    for _ in range(5):
        with pytest.raises(BackendRejected) as refused:
            orders.call("GET", "/missing")
        assert (refused.value.status, refused.value.detail, refused.value.code) == (404, "Not found.", "not_found")
    assert orders.call("GET", "/ok").data == {"fine": True}


def test_nested_field_errors_stay_nested(backend_url):
    with pytest.raises(BackendRejected) as refused:
        client(backend_url).call("POST", "/nested", json={})

    assert refused.value.field_errors == {"shipping_address": {"postal_code": ["Enter a valid value."]}}


def test_malformed_json_is_unavailable_not_a_crash(backend_url):
    with pytest.raises(BackendUnavailable, match="malformed JSON"):
        client(backend_url).call("GET", "/broken-json")


def test_repeated_failures_open_the_breaker_then_calls_fail_at_once(backend_url):
    orders = client(backend_url)  # fail_max=3
    for _ in range(2):
        with pytest.raises(BackendUnavailable, match="answered 500"):
            orders.call("GET", "/error")
    with pytest.raises(BackendUnavailable, match="circuit breaker open"):
        orders.call("GET", "/error")  # the third failure trips it

    with pytest.raises(BackendUnavailable, match="circuit breaker open"):
        orders.call("GET", "/ok")  # the backend would answer, but the breaker does not ask it


def test_which_failures_leave_the_outcome_unknown(backend_url):
    orders = client(backend_url)
    with pytest.raises(BackendUnavailable) as timed_out:
        orders.call("POST", "/slow", json={})
    with pytest.raises(BackendUnavailable) as lost_answer:
        orders.call("POST", "/gateway", json={})
    with pytest.raises(BackendUnavailable) as slow_read:
        orders.call("GET", "/slow")
    with pytest.raises(BackendUnavailable) as refused:
        client(f"http://127.0.0.1:{free_port()}").call("POST", "/ok", json={})

    assert timed_out.value.ambiguous, "a POST that timed out may have been carried out"
    assert lost_answer.value.ambiguous, "a 502 after sending: the order may exist"
    assert not slow_read.value.ambiguous, "a GET changes nothing"
    assert not refused.value.ambiguous, "a refused connection never delivered the request"
    assert str(refused.value).startswith("orders is unavailable: no connection")


def test_every_call_is_timed_per_backend_answered_or_not(backend_url):
    from prometheus_client import REGISTRY

    def count() -> float:
        return REGISTRY.get_sample_value("retail_backend_request_seconds_count", {"backend": "orders"}) or 0.0

    before = count()
    client(backend_url).call("GET", "/ok")
    with pytest.raises(BackendUnavailable):
        client(backend_url).call("GET", "/slow")  # timed out after 0.3 s: still observed
    assert count() == before + 2
