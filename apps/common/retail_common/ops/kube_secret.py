"""One Kubernetes Secret, read and created through the API with the pod's own ServiceAccount token.

Enough for vault-bootstrap to keep Vault's unseal key, without a Kubernetes client library in the
runtime image.
"""

from __future__ import annotations

import base64
from pathlib import Path

import requests

from retail_common.config.environment import env

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


class KubeSecret:
    def __init__(self, *, namespace: str, name: str, api_url: str | None = None, account_dir: Path | None = None):
        self.namespace, self.name = namespace, name
        self.api_url = api_url or env.str("KUBERNETES_API_URL", default="https://kubernetes.default.svc")
        self.account_dir = account_dir or Path(env.str("KUBERNETES_ACCOUNT_DIR", default=SERVICE_ACCOUNT_DIR))

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {(self.account_dir / 'token').read_text().strip()}"
        ca = self.account_dir / "ca.crt"
        session.verify = str(ca) if ca.exists() else True
        return session

    def read(self) -> dict[str, str] | None:
        """The Secret's data, decoded; None when it does not exist."""
        url = f"{self.api_url}/api/v1/namespaces/{self.namespace}/secrets/{self.name}"
        response = self._session().get(url, timeout=10)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data = response.json().get("data") or {}
        return {key: base64.b64decode(value).decode() for key, value in data.items()}

    def _body(self, data: dict[str, str]) -> dict:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "type": "Opaque",
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
        }

    def create(self, data: dict[str, str]) -> None:
        url = f"{self.api_url}/api/v1/namespaces/{self.namespace}/secrets"
        self._session().post(url, json=self._body(data), timeout=10).raise_for_status()

    def write(self, data: dict[str, str]) -> None:
        """Replace the Secret's data (it exists: see prepare)."""
        url = f"{self.api_url}/api/v1/namespaces/{self.namespace}/secrets/{self.name}"
        self._session().put(url, json=self._body(data), timeout=10).raise_for_status()

    def prepare(self) -> None:
        """Create the Secret empty if it is missing, then write it once: proof that a later write can succeed."""
        if self.read() is None:
            self.create({})
        self.write({})
