"""`images smoke`: the rendered dev overlay's retail pods as containers, one order bought through the
storefront container.

retail_dev.images.manifest_stack starts every retail Job and Deployment of the dev overlay as the manifests
say (Jobs first, init containers in order, probes with the manifest's thresholds) on a network of its own.
Then this signs in as a shopper through the storefront's pages, puts a product in the cart, checks out
with the test card, waits for PAYMENT_COMPLETED, sends SIGTERM to every container and checks each exits 0
within 25 s. Every container, the network and the run's databases are removed at the end, whatever
happened; a failure prints the logs of the failing containers.

No library runs a rendered overlay without a cluster; the images modules translate it, this module
drives the run.
"""

from __future__ import annotations

import re
import time

import requests

from retail_common.domain.codes import OrderStatus
from retail_dev.console import DevError, say, step
from retail_dev.images.engine import Engine
from retail_dev.images.manifest_stack import ManifestStack
from retail_dev.images.stopping import STOP_GRACE, stop_all_gracefully
from retail_dev.shop_client import call, token
from retail_dev.testing import poll

SHOPPER = ("smoke-shopper@retail.test", "smoke-shopper-pass")
TEST_CARD = "4242424242424242"
ORDER_URL = re.compile(r"/orders/([0-9a-f-]{36})/$")
ATTEMPTS = 3


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    if not match:
        raise DevError(f"the storefront page has no {name} field")
    return match.group(1)


def buy_through_storefront(shop: str, slug: str, host: str | None = None) -> str:
    """Sign in at `shop`, add one `slug` to the cart and check out with the test card; returns the order id.

    `host`: the Host header to send when `shop` is an address the storefront does not serve by name.
    """
    browser = requests.Session()
    if host:
        browser.headers["Host"] = host
    email, password = SHOPPER

    def post(path: str, fields: dict) -> requests.Response:
        fields = {"csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""), **fields}
        return browser.post(f"{shop}{path}", data=fields, headers={"Referer": f"{shop}{path}"}, timeout=30)

    def post_as_a_shopper_would(path: str, fields: dict, page: str = "") -> requests.Response:
        """POST the form; on 503 ("please try again") submit the form the page gives back, as a shopper would.

        A backend slower than the storefront's timeout (a cold worker on a loaded machine) answers 503;
        the checkout form it returns carries the same idempotency key when the outcome is unknown.
        """
        for _ in range(ATTEMPTS):
            if page:
                fields = {**fields, "idempotency_key": form_value(page, "idempotency_key")}
            answer = post(path, fields)
            if answer.status_code != 503:
                return answer
            say(f"    {path}: 503 from the storefront (a backend too slow), submitting again")
            page = answer.text if page else ""
            time.sleep(2)
        return answer

    browser.get(f"{shop}/login/", timeout=30).raise_for_status()
    signed_in = post_as_a_shopper_would("/login/", {"email": email, "password": password})
    if signed_in.status_code != 200 or "/login/" in signed_in.url:
        raise DevError(f"sign-in through the storefront failed: {signed_in.status_code} at {signed_in.url}")
    added = post(f"/products/{slug}/add/", {"quantity": "1"})
    if not added.url.endswith("/cart/"):
        raise DevError(f"adding {slug} to the cart failed: {added.status_code} at {added.url}")
    checkout = browser.get(f"{shop}/checkout/", timeout=30)
    address = {"name": "Smoke Shopper", "line1": "1 Market St", "city": "Springfield", "postal_code": "12345"}
    fields = {**address, "country": "US", "card_number": TEST_CARD}
    placed = post_as_a_shopper_would("/checkout/", fields, page=checkout.text)
    match = ORDER_URL.search(placed.url)
    if not match:
        raise DevError(f"checkout did not place the order: {placed.status_code} at {placed.url}")
    return match.group(1)


def wait_paid(stack: ManifestStack, admin: str, order_id: str, timeout: float = 90.0) -> str:
    """The order's status once PAYMENT_COMPLETED (or the last one seen), from orders' admin list."""

    def status():
        answer = call(
            "GET", f"{stack.url('retail-app', 'orders')}/api/admin/orders", bearer=admin, headers={"Host": "orders"}
        )
        found = [o for o in answer.body["results"] if o["id"] == order_id] if answer.status == 200 else []
        return found[0]["status"] if found else f"UNKNOWN (HTTP {answer.status})"

    try:
        return poll(
            status,
            until=lambda s: s in (OrderStatus.PAYMENT_COMPLETED, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED),
            timeout=timeout,
        )
    except AssertionError:  # not settled in time: the caller names the last status and prints the logs
        return status()


def product(stack: ManifestStack, admin: str) -> dict:
    """A product with stock, created through inventory's API (its Service, as the ops console would)."""
    slug = f"smoke-{stack.run_id}"
    body = {"sku": slug.upper(), "slug": slug, "name": f"Smoke {stack.run_id}", "price": "19.90", "category": "kitchen"}
    url = f"{stack.url('retail-app', 'inventory')}/api/products"
    answer = call("POST", url, {**body, "on_hand": 5}, bearer=admin, headers={"Host": "inventory"})
    if answer.status != 201:
        raise DevError(f"creating the smoke's product failed: {answer.status} {answer.body}")
    return answer.body


def ensure_shopper(stack: ManifestStack) -> None:
    """The shopper's account, made in the users container (what `kubectl exec … manage ensure_account` does)."""
    email, password = SHOPPER
    users = stack.container("users").name
    command = ["/opt/venv/bin/python", "/opt/retail/entrypoint.py", "manage", "ensure_account"]
    stack.engine.run("exec", users, *command, "--email", email, "--password", password, "--skip-password-validation")


def print_logs(stack: ManifestStack, names: list[str]) -> None:
    for name in names:
        say(f"---- logs of {name} ----")
        say(stack.runner.logs(name, lines=60))


def smoke(engine: Engine, *, tag: str = "dev") -> dict:
    """Run the smoke; raises DevError (after printing the failing logs) when any part fails."""
    stack = ManifestStack(engine=engine, tag=tag)
    began = time.monotonic()
    try:
        step(f"the dev overlay's retail Jobs and Deployments as containers (images :{tag}), run {stack.run_id}")
        stack.up()
        say(f"    {len(stack.ready)} containers Ready in {time.monotonic() - began:.0f} s")
        admin = token(role="ADMIN")
        ensure_shopper(stack)
        bought = product(stack, admin)
        step(f"buy {bought['slug']} through the storefront Service, then wait for PAYMENT_COMPLETED")
        try:
            order_id = buy_through_storefront(stack.url("retail-app", "storefront"), bought["slug"], host="storefront")
        except (DevError, requests.RequestException):
            print_logs(stack, [s.name for s in stack.ready if s.container.args[:1] == ["web"]])
            raise
        status = wait_paid(stack, admin, order_id)
        if status != OrderStatus.PAYMENT_COMPLETED:
            print_logs(stack, [s.name for s in stack.ready if s.container.args[:1] in (["consumers"], ["relay"])])
            raise DevError(f"order {order_id} ended {status}, not PAYMENT_COMPLETED")
        say(f"    order {order_id}: PAYMENT_COMPLETED ({stack.data.traces.count} spans received)")
        names = [s.name for s in stack.ready]
        step(f"SIGTERM to all {len(names)} containers (each must exit 0 within {STOP_GRACE} s)")
        stopped = stop_all_gracefully(engine, names)
        for outcome in stopped:
            code = "still running (killed)" if outcome.exit_code is None else f"exit {outcome.exit_code}"
            label = outcome.container.removeprefix(f"retail-smoke-{stack.run_id}-")
            say(f"    {label:<28} {code} after {outcome.seconds:.1f} s")
        bad = [s for s in stopped if s.exit_code != 0]
        if bad:
            print_logs(stack, [s.container for s in bad])
            raise DevError(f"{len(bad)} container(s) did not stop cleanly: {', '.join(s.container for s in bad)}")
        if stack.failures:
            raise DevError("; ".join(stack.failures.values()))
        say(f"images smoke passed in {time.monotonic() - began:.0f} s")
        return {"order": order_id, "containers": len(stopped), "stopped": {s.container: s.seconds for s in stopped}}
    except (RuntimeError, TimeoutError, requests.RequestException) as exc:
        raise DevError(f"images smoke failed: {exc}") from exc
    finally:
        step("removing the smoke's containers, network, databases and topics")
        stack.down()
