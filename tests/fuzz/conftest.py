"""A shop of its own for the API fuzzer: its ADMIN and CUSTOMER may create, change and delete anything.

The fuzzer deactivates products, moves stock and cancels orders, so it never shares the session stack
of the e2e and browser tests. Orders' per-user creation limit is raised so that checkouts get past it
(the limit itself is tested in the orders project); everything else runs with production settings.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest

from retail_common.config.topology import TOPOLOGY
from retail_dev.paths import RETAIL_DIR
from retail_dev.shop_client import call
from retail_dev.stack import STAFF, Stack

SUMMARY = RETAIL_DIR / "artifacts" / "fuzz" / "summary.json"
CUSTOMER_PASSWORD = "Fuzz-Customer-Pass-7"


@dataclass
class FuzzShop:
    stack: Stack
    refresh: dict[str, str]  # role -> refresh token of a session with the users service
    product_ids: list[int]
    categories: list[str]
    runs: list[dict] = field(default_factory=list)  # what each fuzzer run executed, for the summary

    def access_token(self, role: str) -> str:
        """A fresh access token of `role` (they live 15 minutes; a loaded machine's whole run takes longer)."""
        answer = call("POST", f"{self.stack.urls['users']}/api/auth/refresh", {"refresh": self.refresh[role]})
        assert answer.status == 200, answer.body
        self.refresh[role] = answer.body["refresh"]
        return answer.body["access"]


def login(stack: Stack, email: str, password: str) -> dict:
    answer = stack.shop.log_in(email, password)
    assert answer.status == 200, answer.body
    return answer.body


def failed_events(stack: Stack, service: str, bearer: str) -> int:
    return call("GET", f"{stack.urls[service]}/api/admin/failed-events", bearer=bearer).body["count"]


@pytest.fixture(scope="session")
def fuzz_shop(request):
    stack = Stack(overrides={"ORDERS_RATE_CREATE_PER_USER": "100000/m"})
    try:
        stack.up()
        customer = f"fuzz-{uuid.uuid4().hex[:8]}@retail.test"
        registered = stack.shop.sign_up(customer, CUSTOMER_PASSWORD)
        assert registered.status == 201, registered.body
        # The users service accepts only tokens of its own accounts: both come from its login.
        sessions = {"ADMIN": login(stack, *STAFF), "CUSTOMER": login(stack, customer, CUSTOMER_PASSWORD)}
        tokens = {role: session["access"] for role, session in sessions.items()}
        catalog = call("GET", f"{stack.urls['inventory']}/api/products?page_size=10").body["results"]
        categories = [c["slug"] for c in call("GET", f"{stack.urls['inventory']}/api/categories").body]
        # Something for every list and link to start from: a customer's order (and so a payment), and a
        # failed event in each saga service (an envelope whose payload breaks its schema).
        placed = stack.shop.order(tokens["CUSTOMER"], [(catalog[0]["id"], 1)])
        assert placed.status == 201, placed.body
        stack.bad_event("order-created", str(uuid.uuid4()))  # payments
        stack.bad_event("payment-failed", str(uuid.uuid4()))  # orders and inventory
        for service in TOPOLOGY.with_role("consumers"):
            landed = stack.shop.wait(lambda s=service: failed_events(stack, s, tokens["ADMIN"]), lambda n: n > 0)
            assert landed > 0, f"no failed event reached {service}"
        refresh = {role: session["refresh"] for role, session in sessions.items()}
        shop = FuzzShop(stack, refresh, [p["id"] for p in catalog], categories)
        yield shop
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        SUMMARY.write_text(json.dumps(shop.runs, indent=2))
        request.config.stash[RUNS] = shop.runs
    finally:
        stack.down()


RUNS = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """How many cases each fuzzer run executed, in the test log (CI's too)."""
    runs = config.stash.get(RUNS, None)
    if not runs:
        return
    terminalreporter.section("API fuzzing (schemathesis)")
    for run in runs:
        terminalreporter.write_line(
            f"{run['service']:>9} as {run['role']:<8} {run['cases']:>5} cases "
            f"({run['stateful_scenarios']} stateful scenarios, links {run['links_covered']} followed), "
            f"{run['failures']} failures, {run['seconds']:.0f} s"
        )
    total = sum(run["cases"] for run in runs)
    terminalreporter.write_line(f"{'total':>9}             {total:>5} cases; details in {SUMMARY}")
