"""A local HTTP server speaking the Vault and Kubernetes endpoints vault_bootstrap calls through hvac.

A real Vault binary cannot be obtained on our machines, so this stands in for it: hvac's real
client code runs over a socket against the same paths, bodies and status codes (sys/init,
sys/seal-status, sys/unseal, sys/auth, sys/mounts, sys/policy, auth/kubernetes config, role and
login, KV v2 data), and it enforces what matters to the test: the root token for set-up, for a
logged-in role only the paths its policy names, and the audience a role binds. It also serves the
Kubernetes Secret endpoints the command uses (read, create, replace), and can refuse or fail them.

A login's token stands in for a ServiceAccount JWT: "<namespace>:<account>", or
"<namespace>:<account>:<audience>" for a projected token with an audience.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT_TOKEN = "s.root"
UNSEAL_KEY = base64.b64encode(b"unseal-key").decode()


class VaultState:
    def __init__(self):
        self.initialized = False
        self.sealed = True
        self.auth: dict[str, dict] = {"token/": {"type": "token"}}
        self.mounts: dict[str, dict] = {"sys/": {"type": "system"}}
        self.kubernetes_config: dict = {}
        self.policies: dict[str, str] = {}
        self.roles: dict[str, dict] = {}
        self.kv: dict[str, dict] = {}
        self.tokens: dict[str, list[str]] = {}  # token -> policies
        self.kube_secrets: dict[tuple[str, str], dict] = {}
        self.secret_failures_after_init = 0  # the first N writes of a Secret after sys/init answer 500
        self.kube_secrets_forbidden = False  # writes of a Secret answer 403 (the account lacks the RBAC)
        self.failing_secret_writes = 0
        self.writes: list[tuple[str, str]] = []  # (method, path) of every request that changed something


class Handler(BaseHTTPRequestHandler):
    state: VaultState

    def _reply(self, status: int, body: dict | None = None):
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def _wrote(self):
        self.state.writes.append((self.command, self.path))

    def _policy_allows(self, path: str) -> bool:
        token = self.headers.get("X-Vault-Token")
        if token == ROOT_TOKEN:
            return True
        names = self.state.tokens.get(token, [])
        allowed = [m for n in names for m in re.findall(r'path "([^"]+)"', self.state.policies.get(n, ""))]
        return path.removeprefix("/v1/") in allowed

    def do_GET(self):
        self.route("GET")

    def do_PUT(self):
        self.route("WRITE")

    def do_POST(self):
        self.route("WRITE")

    def route(self, method: str):  # one dispatcher for the whole fake server
        s, path = self.state, self.path.split("?")[0]
        body = self._body() if method == "WRITE" else {}
        secret = re.fullmatch(r"/api/v1/namespaces/([^/]+)/secrets(?:/([^/]+))?", path)
        if secret:
            return self.kube_secret(method, *secret.groups(), body)
        if path == "/v1/sys/init":
            if method == "GET":
                return self._reply(200, {"initialized": s.initialized})
            s.initialized = True
            s.failing_secret_writes = s.secret_failures_after_init
            self._wrote()
            return self._reply(200, {"keys": ["6b6579"], "keys_base64": [UNSEAL_KEY], "root_token": ROOT_TOKEN})
        if path == "/v1/sys/seal-status":
            return self._reply(200, {"sealed": s.sealed, "initialized": s.initialized, "t": 1, "n": 1})
        if path == "/v1/sys/unseal":
            if body.get("key") != UNSEAL_KEY:
                return self._reply(400, {"errors": ["wrong unseal key"]})
            s.sealed = False
            self._wrote()
            return self._reply(200, {"sealed": False, "t": 1, "n": 1})
        if path == "/v1/auth/kubernetes/login":
            role = s.roles.get(body.get("role"))
            namespace, account, audience = [*body.get("jwt", "").split(":", 2), "", ""][:3]
            if (
                not role
                or [namespace, account]
                != [role["bound_service_account_namespaces"][0], role["bound_service_account_names"][0]]
                or (role.get("audience") and audience != role["audience"])
            ):
                return self._reply(403, {"errors": ["permission denied"]})
            token = f"s.{body['role']}"
            s.tokens[token] = role["token_policies"]
            return self._reply(
                200, {"auth": {"client_token": token, "policies": role["token_policies"], "lease_duration": 3600}}
            )
        if s.sealed:
            return self._reply(503, {"errors": ["Vault is sealed"]})
        kv = re.fullmatch(r"/v1/secret/data/(.+)", path)
        if kv:
            if not self._policy_allows(path):
                return self._reply(403, {"errors": ["permission denied"]})
            if method == "GET":
                if kv.group(1) not in s.kv:
                    return self._reply(404, {"errors": []})
                return self._reply(
                    200, {"data": {"data": s.kv[kv.group(1)], "metadata": {"deletion_time": "", "version": 1}}}
                )
            s.kv[kv.group(1)] = body["data"]
            self._wrote()
            return self._reply(200, {"data": {"version": 1}})
        if self.headers.get("X-Vault-Token") != ROOT_TOKEN:
            return self._reply(403, {"errors": ["permission denied"]})
        if path == "/v1/sys/auth":
            return self._reply(200, {"data": s.auth})
        if path.startswith("/v1/sys/auth/"):
            s.auth[path.removeprefix("/v1/sys/auth/") + "/"] = {"type": body["type"]}
            self._wrote()
            return self._reply(204)
        if path == "/v1/sys/mounts":
            return self._reply(200, {"data": s.mounts})
        if path.startswith("/v1/sys/mounts/"):
            s.mounts[path.removeprefix("/v1/sys/mounts/") + "/"] = {
                "type": body["type"],
                "options": body.get("options"),
            }
            self._wrote()
            return self._reply(204)
        if path.startswith("/v1/sys/policy/"):
            name = path.removeprefix("/v1/sys/policy/")
            if method == "GET":
                if name not in s.policies:
                    return self._reply(404, {"errors": []})
                return self._reply(200, {"data": {"name": name, "rules": s.policies[name]}})
            s.policies[name] = body["policy"]
            self._wrote()
            return self._reply(204)
        if path == "/v1/auth/kubernetes/config":
            if method == "GET":
                return self._reply(200, {"data": s.kubernetes_config})
            s.kubernetes_config = body
            self._wrote()
            return self._reply(204)
        if path.startswith("/v1/auth/kubernetes/role/"):
            name = path.removeprefix("/v1/auth/kubernetes/role/")
            if method == "GET":
                return (
                    self._reply(200, {"data": s.roles[name]}) if name in s.roles else self._reply(404, {"errors": []})
                )
            s.roles[name] = {**body, "token_policies": body.get("policies", [])}
            self._wrote()
            return self._reply(204)
        return self._reply(404, {"errors": [f"no route {method} {path}"]})

    def kube_secret(self, method: str, namespace: str, name: str | None, body: dict):
        s = self.state
        if method == "GET":
            found = s.kube_secrets.get((namespace, name))
            return self._reply(200, found) if found else self._reply(404, {"reason": "NotFound"})
        if s.kube_secrets_forbidden:
            return self._reply(403, {"reason": "Forbidden"})
        if s.failing_secret_writes:
            s.failing_secret_writes -= 1
            return self._reply(500, {"reason": "InternalError"})
        if self.command == "POST":
            if (namespace, body["metadata"]["name"]) in s.kube_secrets:
                return self._reply(409, {"reason": "AlreadyExists"})
            s.kube_secrets[(namespace, body["metadata"]["name"])] = body
            self._wrote()
            return self._reply(201, body)
        if (namespace, name) not in s.kube_secrets:
            return self._reply(404, {"reason": "NotFound"})
        s.kube_secrets[(namespace, name)] = body
        self._wrote()
        return self._reply(200, body)

    def log_message(self, *args):
        pass


class FakeVaultServer:
    def __init__(self):
        self.state = VaultState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def restart_sealed(self):
        """What a Vault pod restart looks like from outside: same storage, sealed."""
        self.state.sealed = True

    def close(self):
        self.http.shutdown()
        self.http.server_close()
