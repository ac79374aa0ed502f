"""One keep-alive HTTP client per backend, with timeouts and a circuit breaker.

Unavailability (no connection, a timeout, a 5xx) counts against the breaker and raises
BackendUnavailable; a 4xx is the backend's answer and raises BackendRejected without
touching the breaker, so a shopper's typo never opens it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pybreaker
import requests
from prometheus_client import Histogram
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from retail_common.breakers import metered_breaker
from retail_common.observability.request_logging import REQUEST_ID_HEADER, request_id_var

BACKEND_SECONDS = Histogram(
    "retail_backend_request_seconds", "The storefront's calls to a backend API, answered or not.", ["backend"]
)


class BackendUnavailable(Exception):
    """No answer. `ambiguous`: the request may have been carried out (a read timeout, a 502/504),
    so a retry must repeat it exactly (same idempotency key) rather than start over."""

    def __init__(self, service: str, reason: str, *, ambiguous: bool = False):
        super().__init__(f"{service} is unavailable: {reason}")
        self.service = service
        self.reason = reason
        self.ambiguous = ambiguous


class BackendRejected(Exception):
    """A 4xx answer: `detail` is the backend's message, `field_errors` its per-field errors."""

    def __init__(self, service: str, status: int, data: Any, headers: dict | None = None):
        self.service = service
        self.status = status
        self.data = data if isinstance(data, dict) else {}
        self.headers = headers or {}
        super().__init__(f"{service} answered {status}: {self.detail}")

    @property
    def detail(self) -> str:
        detail = self.data.get("detail")
        if isinstance(detail, str):
            return detail
        return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in self.field_errors.items()) or "request refused"

    @property
    def code(self) -> str:
        return str(self.data.get("code", ""))

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return {
            k: v if isinstance(v, list | dict) else [str(v)]
            for k, v in self.data.items()
            if k not in ("detail", "code")
        }


def _never_sent(exc: requests.ConnectionError) -> bool:
    """The connection was refused or never made, so the request cannot have been carried out."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


@dataclass
class Answer:
    status: int
    data: Any
    headers: dict = field(default_factory=dict)


class BackendClient:
    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout: float = 3.0,
        connect_timeout: float = 1.0,
        fail_max: int = 5,
        reset_timeout: float = 10.0,
    ):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
        self.breaker = metered_breaker(f"storefront-{service}", fail_max=fail_max, reset_timeout=reset_timeout)
        self._local = threading.local()  # requests.Session is not thread-safe: one per thread

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=8, max_retries=0))
            session.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=8, max_retries=0))
            session.trust_env = False  # never route service-to-service calls through a proxy from the environment
            self._local.session = session
        return session

    def call(
        self,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
        raw: bool = False,
    ) -> Answer:
        """The 2xx answer (JSON decoded unless raw), or BackendRejected (4xx) / BackendUnavailable."""
        try:
            answer = self.breaker.call(self._send, method, path, bearer, json, params, headers, raw)
        except pybreaker.CircuitBreakerError as exc:
            raise BackendUnavailable(self.service, "circuit breaker open after repeated failures") from exc
        if answer.status >= 400:
            raise BackendRejected(self.service, answer.status, answer.data, answer.headers)
        return answer

    def _send(self, method, path, bearer, json, params, headers, raw) -> Answer:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        request_id = request_id_var.get()
        if request_id:
            all_headers[REQUEST_ID_HEADER] = request_id  # one id follows the click through every service
        started = time.perf_counter()
        try:
            response = self._session().request(
                method, f"{self.base_url}{path}", json=json, params=params, headers=all_headers, timeout=self.timeout
            )
        except requests.ConnectTimeout as exc:
            raise BackendUnavailable(self.service, "no connection (timed out)") from exc
        except requests.Timeout as exc:  # sent, no answer: it may have been done
            raise BackendUnavailable(self.service, "timed out", ambiguous=method != "GET") from exc
        except requests.ConnectionError as exc:
            ambiguous = method != "GET" and not _never_sent(exc)  # dropped after sending: maybe done
            raise BackendUnavailable(
                self.service, f"no connection ({exc.__class__.__name__})", ambiguous=ambiguous
            ) from exc
        except requests.RequestException as exc:
            raise BackendUnavailable(self.service, f"failed ({exc.__class__.__name__})", ambiguous=True) from exc
        finally:  # failures too: a slow backend that times out is what this histogram is for
            BACKEND_SECONDS.labels(backend=self.service).observe(time.perf_counter() - started)
        if response.status_code >= 500:
            ambiguous = response.status_code in (502, 504) and method != "GET"  # a proxy lost the answer
            raise BackendUnavailable(self.service, f"answered {response.status_code}", ambiguous=ambiguous)
        if raw:
            data = response.content
        elif response.content and response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                data = response.json()
            except ValueError as exc:
                raise BackendUnavailable(self.service, "answered malformed JSON") from exc
        else:
            data = None
        return Answer(response.status_code, data, dict(response.headers))

    # Every service serves the failed-events admin API (docs/architecture.md §4).
    def failed_events(self, bearer: str, *, status: str = "", topic: str = "") -> list[dict]:
        params = {k: v for k, v in {"status": status, "topic": topic, "page_size": 100}.items() if v}
        data = self.call("GET", "/api/admin/failed-events", bearer=bearer, params=params).data
        return data["results"] if isinstance(data, dict) and "results" in data else data

    def failed_event_action(self, bearer: str, event_id: int, action: str) -> dict:
        if action not in ("retry", "discard"):
            raise ValueError(action)
        return self.call("POST", f"/api/admin/failed-events/{event_id}/{action}", bearer=bearer).data
