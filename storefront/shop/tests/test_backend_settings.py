"""The storefront's backend URLs: one per service of the topology, each defaulting to that service's dev port."""

import runpy
from pathlib import Path

from django.conf import settings

from retail_common.config.topology import TOPOLOGY

SETTINGS = Path(settings.BASE_DIR) / "storefront_service" / "settings.py"


def test_one_backend_per_service_of_the_topology():
    assert set(settings.STOREFRONT_BACKENDS) == set(TOPOLOGY.service_names)


def test_each_default_is_the_services_dev_port(monkeypatch):
    for name in TOPOLOGY.service_names:
        monkeypatch.delenv(f"{name.upper()}_URL", raising=False)
    backends = runpy.run_path(str(SETTINGS))["STOREFRONT_BACKENDS"]
    assert backends == {name: f"http://127.0.0.1:{TOPOLOGY.project(name).http_port}" for name in TOPOLOGY.service_names}


def test_each_variable_overrides_its_default(monkeypatch):
    for name in TOPOLOGY.service_names:
        monkeypatch.setenv(f"{name.upper()}_URL", f"http://{name}.retail-app:8000")
    backends = runpy.run_path(str(SETTINGS))["STOREFRONT_BACKENDS"]
    assert backends == {name: f"http://{name}.retail-app:8000" for name in TOPOLOGY.service_names}
