"""Small local HTTP servers for tests (and the handler of retail_dev.otlp_receiver): a backend that
misbehaves on purpose, a JWKS endpoint, a stand-in for a server that cannot run here (Vault, Grafana).
Each test writes only what its server answers.

The server is the standard library's http.server; this module adds only a JSON reply and a serving
context, so pytest-httpserver would replace 20 lines while the stateful stand-ins (Vault, Grafana)
would become handler functions of the same length.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubHandler(BaseHTTPRequestHandler):
    """A request handler with one way to answer, and no access log in the test's output."""

    def reply(self, status: int, body: object, *, headers: dict[str, str] | None = None) -> None:
        """A whole answer: `body` as JSON (bytes are sent as they are), with its length."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a daemon thread; yields the base URL and closes the server afterwards."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
