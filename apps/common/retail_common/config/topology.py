"""The shape of the platform in one place: its projects, their process roles, the topics, the consumer groups
and the JWT issuer and audience.

Plain frozen data, no Django: the image entry point and retail_dev read it before any settings exist.
Everything that lists these (manage_all.py's commands, the test stack, the cluster steps, the Vault
bootstrap, the entry point, tracing) reads them here; tox.ini and deploy/ are checked against them by tests
(tests/tooling/test_topology_files.py, tests/deploy/test_deploy_topology.py). Adding a service or a role is
one entry here plus its code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    """A way an image runs: the entry point's first argument, the Deployment's component label."""

    name: str
    command: tuple[str, ...] = ()  # manage.py arguments; () for web (gunicorn runs the project's WSGI app)
    process: bool = True  # a long-running process (dev, the test stack, a Deployment); False: a one-off task
    shared: bool = False  # its command is Django's or retail_common's, so every image can run it
    heartbeat: str = (
        ""  # the variable naming the file its loop touches every round (retail_common.observability.heartbeat)
    )
    local_args: tuple[str, ...] = ()  # added when it runs on a developer's machine


WEB = Role("web")
# The entry point lists its roles in this order.
ROLES = (
    WEB,
    Role("consumers", ("run_consumers",), shared=True, heartbeat="CONSUMER_HEARTBEAT_FILE"),
    Role("relay", ("relay_outbox",), shared=True, heartbeat="RELAY_HEARTBEAT_FILE"),
    Role("migrate", ("migrate", "--noinput"), process=False, shared=True),
    Role("topics", ("provision_topics",), process=False, shared=True),
    Role("grpc", ("run_grpc",), local_args=("--host", "127.0.0.1")),
    Role("sweeper", ("sweep_orders",), heartbeat="SWEEPER_HEARTBEAT_FILE"),
    Role("seed", ("seed_catalog",), process=False),
)


@dataclass(frozen=True)
class Project:
    name: str  # also its image, Deployment, ServiceAccount, Vault role and consumer group
    directory: str  # relative to the repository root
    settings: str
    database: str
    http_port: int | None = None  # dev default; None: no web server (the library's test project)
    roles: tuple[str, ...] = ()  # the roles of ROLES it owns, in the order dev starts its processes
    has_manage_py: bool = True
    backend: bool = True  # a service with events and staff accounts; False for the storefront
    verifies_jwt: bool = False  # checks access tokens with the issuer's public key


JWT_ISSUER_PROJECT = "users"  # signs the access tokens every other service verifies
JWT_ISSUER = "retail-users"
JWT_AUDIENCE = "retail"

SAGA_ROLES = ("consumers", "relay")
LIBRARY = Project("common", "apps/common", "retail_common_tests.settings", "common_db", has_manage_py=False)
SERVICES = (
    Project("users", "apps/users", "users_service.settings", "users_db", 8001, roles=("web",)),
    Project(
        "inventory",
        "apps/inventory",
        "inventory_service.settings",
        "inventory_db",
        8002,
        roles=("web", "grpc", *SAGA_ROLES, "seed"),
        verifies_jwt=True,
    ),
    Project(
        "orders",
        "apps/orders",
        "orders_service.settings",
        "orders_db",
        8003,
        roles=("web", *SAGA_ROLES, "sweeper"),
        verifies_jwt=True,
    ),
    Project(
        "payments",
        "apps/payments",
        "payments_service.settings",
        "payments_db",
        8004,
        roles=("web", *SAGA_ROLES),
        verifies_jwt=True,
    ),
)
STOREFRONT = Project(
    "storefront", "storefront", "storefront_service.settings", "storefront_db", 8000, roles=("web",), backend=False
)


@dataclass(frozen=True)
class Topic:
    name: str
    groups: tuple[str, ...] = ()  # the consumer groups, one per consuming service (docs/architecture.md §5)


TOPICS = (
    Topic("order-created", ("payments",)),
    Topic("order-cancelled", ("payments", "inventory")),
    Topic("inventory-reserved"),
    Topic("inventory-released"),
    Topic("payment-completed", ("orders", "inventory")),
    Topic("payment-failed", ("orders", "inventory")),
    Topic("payment-refunded", ("orders",)),
)


@dataclass(frozen=True)
class Topology:
    """The whole platform; `TOPOLOGY` is this one, a test may build another (e.g. with one more service)."""

    services: tuple[Project, ...] = SERVICES
    storefront: Project = STOREFRONT
    library: Project = LIBRARY
    roles: tuple[Role, ...] = ROLES
    topics: tuple[Topic, ...] = TOPICS

    def all_projects(self) -> list[Project]:
        return [self.library, *self.services, self.storefront]

    def web_projects(self) -> list[Project]:
        """Everything with a web server and an image: the services and the storefront."""
        return [*self.services, self.storefront]

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.services)

    @property
    def web_names(self) -> tuple[str, ...]:
        """The services and the storefront: each has an image, a Deployment, a ServiceAccount, a Vault role."""
        return tuple(p.name for p in self.web_projects())

    def project(self, name: str) -> Project:
        for project in self.all_projects():
            if project.name == name:
                return project
        known = ", ".join(p.name for p in self.all_projects())
        raise KeyError(f"unknown project {name!r}; known: {known}")

    def role(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"unknown role {name!r}; roles: {', '.join(r.name for r in self.roles)}")

    def owners(self, role: str) -> list[str]:
        """The projects whose image can run `role`: every one for a shared role, else those that list it."""
        if self.role(role).shared:
            return [p.name for p in self.web_projects()]
        return [p.name for p in self.web_projects() if role in p.roles]

    def processes(self, project: Project) -> list[Role]:
        """The project's long-running roles, web first."""
        return [self.role(name) for name in project.roles if self.role(name).process]

    def with_role(self, role: str) -> list[str]:
        """The services that run `role` as a process of their own (e.g. consumers: the saga's services)."""
        return [p.name for p in self.services if role in p.roles]

    def subscriptions(self) -> dict[str, tuple[str, ...]]:
        """topic -> its consumer groups."""
        return {t.name: t.groups for t in self.topics}

    def consumer_groups(self) -> list[str]:
        return sorted({group for topic in self.topics for group in topic.groups})

    def jwt_verifiers(self) -> list[str]:
        return [p.name for p in self.web_projects() if p.verifies_jwt]


TOPOLOGY = Topology()
