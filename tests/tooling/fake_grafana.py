"""A local HTTP server speaking the subset of Grafana's API the deployment window uses.

A fake, because no Grafana server can run here: it keeps mute timings, the notification policy and
the silences of the Alertmanager datasource in memory, checks basic auth, and appends each call to a
log shared with the command recorders, so a test sees what happened in which order.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from retail_dev.stub_http import StubHandler

SILENCES = "/api/alertmanager/alertmanager/api/v2/silence"
MUTE_TIMINGS = "/api/v1/provisioning/mute-timings"
POLICIES = "/api/v1/provisioning/policies"


class FakeGrafana:
    def __init__(self, log: Path, *, user: str = "admin", password: str = "secret"):
        self.log = log
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.mute_timings: dict[str, dict] = {}
        self.policy: dict = {"receiver": "grafana-default-email", "group_by": ["grafana_folder", "alertname"]}
        self.silences: dict[str, dict] = {}
        self.fail: set[tuple[str, str]] = set()  # (method, path prefix) answered 500
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeGrafana:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, method: str, path: str) -> None:
        with self.log.open("a") as log:
            log.write(json.dumps(["grafana", method, path]) + "\n")

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, object]:
        if path == "/api/health":
            return 200, {"database": "ok"}
        if path.startswith(MUTE_TIMINGS):
            name = path.removeprefix(MUTE_TIMINGS).strip("/")
            if method == "GET":
                return (200, self.mute_timings[name]) if name in self.mute_timings else (404, {"message": "not found"})
            if method == "POST" and not name and body["name"] not in self.mute_timings:
                self.mute_timings[body["name"]] = body
                return 201, body
            if method == "PUT" and name in self.mute_timings and body["name"] == name:
                self.mute_timings[name] = body
                return 202, body
            return 400, {"message": "bad mute timing request"}
        if path == POLICIES:
            if method == "GET":
                return 200, self.policy
            named = {t for route in body.get("routes", []) for t in route.get("mute_time_intervals", [])}
            unknown = named - set(self.mute_timings)
            if unknown:  # Grafana refuses a policy naming a timing it does not have
                return 400, {"message": f"unknown mute timings {sorted(unknown)}"}
            self.policy = body
            return 202, {"message": "policies updated"}
        if path == SILENCES + "s" and method == "GET":  # Alertmanager's GettableSilences
            return 200, [
                {"id": k, "status": {"state": v["state"]}, **{f: x for f, x in v.items() if f != "state"}}
                for k, v in self.silences.items()
            ]
        if path == SILENCES + "s" and method == "POST":
            silence_id = f"silence-{len(self.silences) + 1}"
            self.silences[silence_id] = {**body, "state": "active"}
            return 202, {"silenceID": silence_id}
        if path.startswith(SILENCES + "/") and method == "DELETE":
            silence_id = path.rsplit("/", 1)[-1]
            if silence_id not in self.silences:
                return 404, {"message": "no such silence"}
            self.silences[silence_id]["state"] = "expired"
            return 200, {"message": "silence deleted"}
        return 404, {"message": "not found"}

    def handler(self):
        fake = self

        class Handler(StubHandler):
            def handle_one(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.record(method, self.path)
                if self.path != "/api/health" and self.headers.get("Authorization") != fake.auth:
                    status, answer = 401, {"message": "invalid username or password"}
                elif any(method == m and self.path.startswith(p) for m, p in fake.fail):
                    status, answer = 500, {"message": "internal error"}
                else:
                    status, answer = fake.answer(method, self.path, body)
                self.reply(status, answer)

            def do_GET(self):
                self.handle_one("GET")

            def do_POST(self):
                self.handle_one("POST")

            def do_PUT(self):
                self.handle_one("PUT")

            def do_DELETE(self):
                self.handle_one("DELETE")

        return Handler
