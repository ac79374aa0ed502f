"""manage_all.py's view of the topology (retail_common.config.topology, where a new service is one entry):
each project with where it lives on this machine, the port it serves on and the processes dev starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from retail_common.config import topology
from retail_dev.paths import ROOT


@dataclass(frozen=True)
class Project(topology.Project):
    @classmethod
    def of(cls, spec: topology.Project) -> Project:
        return cls(**{f.name: getattr(spec, f.name) for f in fields(spec)})

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

    @property
    def extra_processes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(label, manage.py args) of the processes dev runs beside the web server."""
        roles = topology.TOPOLOGY.processes(self)
        return tuple((r.name, (*r.command, *r.local_args)) for r in roles if r is not topology.WEB)


def services(layout: topology.Topology = topology.TOPOLOGY) -> list[Project]:
    """The backend services."""
    return [Project.of(p) for p in layout.services]


def web_projects(layout: topology.Topology = topology.TOPOLOGY) -> list[Project]:
    """Everything with a web server: the services and the storefront."""
    return [Project.of(p) for p in layout.web_projects()]


def all_projects(layout: topology.Topology = topology.TOPOLOGY) -> list[Project]:
    return [Project.of(p) for p in layout.all_projects()]


def by_name(name: str, layout: topology.Topology = topology.TOPOLOGY) -> Project:
    return Project.of(layout.project(name))


LIBRARY = Project.of(topology.LIBRARY)
STOREFRONT = Project.of(topology.STOREFRONT)
