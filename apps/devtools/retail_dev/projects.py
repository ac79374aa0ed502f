"""The registry of Django projects manage_all.py drives; a new service is one line here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from retail_dev.paths import ROOT


@dataclass(frozen=True)
class Project:
    name: str
    directory: str  # relative to the repository root
    settings: str
    database: str
    http_port: int | None = None  # None: no web server (the library's test project)
    has_manage_py: bool = True
    extra_processes: tuple = field(default=())  # (label, manage.py args) run beside the web server in dev
    backend: bool = True  # a service with events and staff accounts; False for the storefront

    @property
    def path(self) -> Path:
        return ROOT / self.directory

    @property
    def port(self) -> int | None:
        if self.http_port is None:
            return None
        return int(os.environ.get(f"RETAIL_{self.name.upper()}_PORT", self.http_port))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


PROJECTS = [
    Project("users", "apps/users", "users_service.settings", "users_db", http_port=8001),
    Project(
        "inventory",
        "apps/inventory",
        "inventory_service.settings",
        "inventory_db",
        http_port=8002,
        extra_processes=(
            ("grpc", ("run_grpc", "--host", "127.0.0.1")),
            ("consumers", ("run_consumers",)),
            ("relay", ("relay_outbox",)),
        ),
    ),
    Project(
        "orders",
        "apps/orders",
        "orders_service.settings",
        "orders_db",
        http_port=8003,
        extra_processes=(
            ("consumers", ("run_consumers",)),
            ("relay", ("relay_outbox",)),
            ("sweeper", ("sweep_orders",)),
        ),
    ),
    Project(
        "payments",
        "apps/payments",
        "payments_service.settings",
        "payments_db",
        http_port=8004,
        extra_processes=(("consumers", ("run_consumers",)), ("relay", ("relay_outbox",))),
    ),
]
STOREFRONT = Project(
    "storefront", "storefront", "storefront_service.settings", "storefront_db", http_port=8000, backend=False
)
LIBRARY = Project("common", "apps/common", "retail_common_tests.settings", "common_db", has_manage_py=False)


def services() -> list[Project]:
    """The four backend services."""
    return list(PROJECTS)


def web_projects() -> list[Project]:
    """Everything with a web server: the services and the storefront."""
    return [*PROJECTS, STOREFRONT]


def all_projects() -> list[Project]:
    return [LIBRARY, *PROJECTS, STOREFRONT]


def by_name(name: str) -> Project:
    for project in all_projects():
        if project.name == name:
            return project
    known = ", ".join(p.name for p in all_projects())
    raise KeyError(f"unknown project {name!r}; known: {known}")
