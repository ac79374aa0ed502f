"""bench images: size per image, cold build and rebuild after a one-line change, container start to
/readyz per web image, and bench saga's steady 20 orders/s on the containerised stack beside the
bare-process stack of the same run.

Goals (issue 13): each image ≤ base + 150 MB; a rebuild after a one-line change < 20 s per image;
start to /readyz ≤ 3 s; saga p50 containerised within 20 % of bare.
"""

from __future__ import annotations

import statistics
import time
import uuid

from retail_dev.benchmarks.saga import STEADY_RATE, completion_latencies, place_at_rate
from retail_dev.console import DevError, say
from retail_dev.images.base import BASE_IMAGE, build_base
from retail_dev.images.build import build_all, build_image, image_name
from retail_dev.images.containers import container_stack
from retail_dev.images.engine import Engine
from retail_dev.images.image_facts import contents, largest
from retail_dev.images.smoke import smoke
from retail_dev.infra import Postgres
from retail_dev.loadgen import latency_summary
from retail_dev.netutil import http_ok
from retail_dev.projects import web_projects
from retail_dev.shop_client import token
from retail_dev.stack import Stack

STARTS = 3  # container starts per web image
USERS = 200


def sizes(engine: Engine) -> dict:
    base = int(engine.out("image", "inspect", "--format", "{{.Size}}", BASE_IMAGE))
    figures = {"base_mb": round(base / 1e6, 1)}
    for project in web_projects():
        image = image_name(project, "dev")
        size = int(engine.out("image", "inspect", "--format", "{{.Size}}", image))
        top = largest(contents(engine, image)["distributions"])
        figures[project.name] = {
            "mb": round(size / 1e6, 1),
            "over_base_mb": round((size - base) / 1e6, 1),
            "largest_packages_mb": {name: round(n / 1e6, 1) for name, n in top},
        }
    return figures


def rebuild_after_one_line(engine: Engine) -> dict:
    """Append one comment line to each project's urls.py, rebuild, time it; the file is restored after."""
    figures = {}
    for project in web_projects():
        urls = project.path / project.settings.replace(".settings", "") / "urls.py"
        original = urls.read_bytes()
        try:
            urls.write_bytes(original + f"# bench images: one-line change {uuid.uuid4().hex}\n".encode())
            figures[project.name] = round(build_image(engine, project, base=BASE_IMAGE, tag="dev").seconds, 1)
        finally:
            urls.write_bytes(original)
        build_image(engine, project, base=BASE_IMAGE, tag="dev")  # back to the tree's code (cached layers)
    return figures


def start_to_readyz(engine: Engine) -> dict:
    """Seconds from `docker run` to the first 200 from /readyz, STARTS times per web image."""
    stack = container_stack(engine, with_storefront=True)  # so down() drops the storefront's database too
    figures = {}
    Postgres().ensure_databases([stack.database(p.name) for p in web_projects()])
    try:
        for project in web_projects():
            runs = []
            for attempt in range(STARTS):
                env = stack.env(project.name)
                began = time.monotonic()
                container = stack.launcher.start(project.name, f"ready{attempt}", "web", env, PORT=str(project.port))
                while not http_ok(f"{project.url}/readyz", timeout=0.5):
                    if time.monotonic() - began > 120:
                        stack.launcher.print_failing_logs([container])
                        raise TimeoutError(f"{container}: no /readyz 200 within 120 s")
                    time.sleep(0.05)
                runs.append(round(time.monotonic() - began, 2))
                engine.run("rm", "--force", container)
                stack.launcher.containers.remove(container)
            figures[project.name] = {"median_s": statistics.median(runs), "runs_s": runs}
    finally:
        stack.down()
    return figures


def steady_saga(stack: Stack, duration: float) -> dict:
    try:
        stack.up()
        product = stack.shop.product(on_hand=1_000_000, price="5.00")
        tokens = [token(uuid.uuid4()) for _ in range(USERS)]
        place_at_rate(stack, product["id"], 5, 2, tokens)  # warm up connections, producers, consumer groups
        results = place_at_rate(stack, product["id"], STEADY_RATE, duration, tokens)
        latencies, missing = completion_latencies(stack, results)
        errors = sum(1 for r in results if r["answer"].status != 201)
        return {"orders": len(results), "errors": errors, "not_completed": missing} | latency_summary(latencies)
    finally:
        stack.down()


def run(args) -> dict:
    engine = Engine().ensure_running()
    figures: dict = {"note": "taken on a shared, loaded 2-core machine: compare within one run, not across machines"}
    try:
        if not engine.image_exists(BASE_IMAGE):
            build_base(engine)
        say("    cold build: the builder cache emptied, then all five images …")
        engine.run("builder", "prune", "--all", "--force")
        built = build_all(engine, base=BASE_IMAGE, tag="dev")
        figures["cold_build_s"] = {b.image: round(b.seconds, 1) for b in built}
        figures["cold_build_s"]["total"] = round(sum(b.seconds for b in built), 1)
        say("    sizes and largest packages …")
        figures["size"] = sizes(engine)
        say("    rebuild after a one-line change in each project …")
        figures["rebuild_one_line_s"] = rebuild_after_one_line(engine)
        say(f"    container start to /readyz 200, {STARTS} starts per web image …")
        figures["start_to_readyz"] = start_to_readyz(engine)
        say(f"    saga at {STEADY_RATE} orders/s for {args.duration:.0f}s: bare processes …")
        bare = steady_saga(Stack(), args.duration)
        say(f"    saga at {STEADY_RATE} orders/s for {args.duration:.0f}s: containers …")
        contained = steady_saga(container_stack(engine), args.duration)
        ratio = round(contained["p50_ms"] / bare["p50_ms"], 2) if bare["p50_ms"] and contained["p50_ms"] else None
        figures["saga_steady_20_per_s"] = {"bare": bare, "containers": contained, "p50_ratio": ratio}
        say("    images smoke: the dev overlay's retail pods as containers, one order paid, SIGTERM to all …")
        began = time.monotonic()
        try:
            outcome = {"containers": smoke(engine, tag="dev")["containers"]}
        except DevError as exc:  # its time still counts; the figure says why it failed
            outcome = {"failed": str(exc).splitlines()[0]}
        figures["smoke_s"] = {"total": round(time.monotonic() - began, 1), **outcome}
    finally:
        engine.stop_started()
    figures["goals"] = {
        "over_base_mb": "<= 150",
        "rebuild_one_line_s": "< 20 per image",
        "start_to_readyz_s": "<= 3",
        "saga_p50_ratio": "<= 1.2",
    }
    return figures
