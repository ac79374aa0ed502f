"""`images smoke`: the dev stack as containers, one order bought through the storefront container.

Signs in as a shopper through the storefront's pages, puts a product in the cart, checks out with
the test card, waits for PAYMENT_COMPLETED, then sends SIGTERM to every container and checks each
exits 0 within 25 s. Every container is removed at the end, whatever happened; on a failure the
logs of the failing containers are printed.
"""

from __future__ import annotations

import re
import time

import requests

from retail_dev.console import DevError, say, step
from retail_dev.images.containers import STOP_GRACE, ContainerStack
from retail_dev.images.engine import Engine

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


def buy_through_storefront(stack: ContainerStack, slug: str) -> str:
    """Sign in, add one `slug` to the cart and check out with the test card; returns the order id."""
    shop = stack.urls["storefront"]
    browser = requests.Session()
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


def wait_paid(stack: ContainerStack, order_id: str, timeout: float = 90.0) -> str:
    """The order's status once PAYMENT_COMPLETED (or the last one seen), from orders' admin list."""

    def status():
        answer = requests.get(
            f"{stack.urls['orders']}/api/admin/orders",
            headers={"Authorization": f"Bearer {stack.admin}"},
            timeout=10,
        )
        found = [o for o in answer.json()["results"] if o["id"] == order_id]
        return found[0]["status"] if found else "UNKNOWN"

    return stack.wait(status, lambda s: s in ("PAYMENT_COMPLETED", "PAYMENT_FAILED", "CANCELLED"), timeout=timeout)


def wait_healthy(stack: ContainerStack, timeout: float = 60.0) -> dict[str, str]:
    """Wait for the image's HEALTHCHECK to call every container healthy; those that are not, with their status."""

    def statuses():
        return {c: state.get("Health", {}).get("Status", "none") for c, state in stack.states().items()}

    last = stack.wait(statuses, lambda found: all(s == "healthy" for s in found.values()), timeout=timeout)
    return {container: status for container, status in last.items() if status != "healthy"}


def smoke(engine: Engine, *, tag: str = "dev") -> dict:
    """Run the smoke; raises DevError (after printing the failing logs) when any part fails."""
    stack = ContainerStack(engine=engine, tag=tag)
    began = time.monotonic()
    try:
        step("migrate, topics and seed as containers; then 5 web servers, gRPC, 3 consumers, 3 relays, the sweeper")
        stack.up(storefront=True)
        ready = [f"{n} {stack.urls[n]}" for n in stack.projects]
        say(f"    {len(stack.containers)} containers up in {time.monotonic() - began:.0f} s: " + ", ".join(ready))
        email, password = SHOPPER
        stack.manage("users", "ensure_account", "--email", email, "--password", password, "--skip-password-validation")
        product = stack.product(on_hand=5, price="19.90")
        step(f"buy {product['slug']} through the storefront container")
        try:
            order_id = buy_through_storefront(stack, product["slug"])
        except (DevError, requests.RequestException):
            stack.print_failing_logs(suspects=[c for c in stack.containers if c.endswith("-web")])
            raise
        status = wait_paid(stack, order_id)
        if status != "PAYMENT_COMPLETED":
            stack.print_failing_logs(suspects=[c for c in stack.containers if "consumers" in c or "relay" in c])
            raise DevError(f"order {order_id} ended {status}, not PAYMENT_COMPLETED")
        say(f"    order {order_id}: PAYMENT_COMPLETED")
        unhealthy = wait_healthy(stack)
        if unhealthy:
            stack.print_failing_logs(suspects=list(unhealthy))
            raise DevError(f"HEALTHCHECK of {', '.join(f'{c} ({s})' for c, s in unhealthy.items())}")
        say(f"    HEALTHCHECK: all {len(stack.containers)} containers healthy")
        step(f"SIGTERM to all {len(stack.containers)} containers (each must exit 0 within {STOP_GRACE} s)")
        stopped = stack.stop_all_gracefully()
        for outcome in stopped:
            code = "still running (killed)" if outcome.exit_code is None else f"exit {outcome.exit_code}"
            say(f"    {outcome.container.split('-', 2)[-1]:<22} {code} after {outcome.seconds:.1f} s")
        bad = [s for s in stopped if s.exit_code != 0]
        if bad:
            for outcome in bad:
                say(f"---- logs of {outcome.container} ----")
                say(stack.logs(outcome.container))
            stack.logs_printed = True
            raise DevError(f"{len(bad)} container(s) did not stop cleanly: {', '.join(s.container for s in bad)}")
        say(f"images smoke passed in {time.monotonic() - began:.0f} s")
        return {"order": order_id, "containers": len(stopped), "stopped": {s.container: s.seconds for s in stopped}}
    except DevError:
        if not stack.logs_printed:
            stack.print_failing_logs()
        raise
    except (RuntimeError, TimeoutError, requests.RequestException) as exc:
        if not stack.logs_printed:
            stack.print_failing_logs()
        raise DevError(f"images smoke failed: {exc}") from exc
    finally:
        step("removing the smoke's containers, databases and topics")
        stack.down()
