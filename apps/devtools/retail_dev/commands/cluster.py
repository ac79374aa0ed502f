"""`manage_all.py cluster up|deploy|status|mute|down`: the platform on a local 3-node kind cluster.

`up` and `deploy` are a list of named steps; `--from STEP` resumes at one after a failure. Each step
prints what it does and how long it took.
"""

from __future__ import annotations

import contextlib
import time
from functools import cached_property

from retail_dev.console import DevError, say, step
from retail_dev.deploy import (
    cluster_addons,
    cluster_apply,
    cluster_images,
    cluster_mute,
    cluster_tls,
    cluster_waits,
    render,
)
from retail_dev.deploy import cluster_steps as steps
from retail_dev.deploy.cluster_preflight import preflight
from retail_dev.deploy.cluster_status import status
from retail_dev.deploy.mute_window import SILENCE_HOURS

help = "A local kind cluster: up (check tools, create, Istio, TLS, build, load, deploy), deploy, status, mute, down."

DEPLOY_STEPS = ("build", "load", "jobs", "apply", "wait")
UP_STEPS = ("cluster", "istio", "tls", *DEPLOY_STEPS)
MUTED = ("jobs", "apply", "wait")  # the deployment window (alerts muted) spans these
TOOLS = {"up": ("kind", "docker", "kubectl", "istioctl"), "deploy": ("kind", "docker", "kubectl")}


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["up", "deploy", "status", "mute", "down"])
    parser.add_argument("switch", nargs="?", choices=["on", "off"], help="mute: on or off.")
    parser.add_argument(
        "--hours", type=float, default=SILENCE_HOURS,
        help=f"mute on: how long Alertmanager's silence lasts ({SILENCE_HOURS}); Grafana's timing lasts until off.",
    )  # fmt: skip
    parser.add_argument("--overlay", choices=render.OVERLAYS, default="dev", help="Which overlay to apply (dev).")
    parser.add_argument(
        "--skip-build", "--no-build", dest="skip_build", action="store_true",
        help="up/deploy: do not build; load the images already built with the overlay's tag.",
    )  # fmt: skip
    parser.add_argument(
        "--from", dest="from_step", choices=UP_STEPS, metavar="STEP",
        help=f"up/deploy: resume at this step ({', '.join(UP_STEPS)}; deploy has {', '.join(DEPLOY_STEPS)}).",
    )  # fmt: skip
    parser.add_argument("--prune-images", action="store_true", help="down: also remove the retail images.")


class Run:
    """One `up` or `deploy`: the content tags and the rendered overlay, worked out once when first needed."""

    def __init__(self, args):
        self.args = args
        self.existed = args.action == "up" and args.from_step not in (None, "cluster")  # resuming: it exists

    @cached_property
    def refs(self) -> dict[str, str]:
        return cluster_images.content_refs(self.args.overlay)

    @cached_property
    def docs(self) -> list[dict]:
        return cluster_apply.rendered(self.args.overlay, self.refs)

    def cluster(self) -> None:
        self.existed = steps.create_cluster()

    def istio(self) -> None:
        steps.install_istio()
        cluster_addons.install_metrics_server()

    def tls(self) -> None:
        cluster_tls.install(self.args.overlay)

    def build(self) -> None:
        if self.args.skip_build:
            say("    --skip-build: using the images already built")
        else:
            cluster_images.build(self.args.overlay)

    def load(self) -> None:
        cluster_images.load(self.refs)

    def jobs(self) -> None:
        cluster_apply.delete_stale_jobs(self.docs, rerun=(cluster_apply.BOOTSTRAP,) if self.existed else ())

    def apply(self) -> None:
        step(f"applying deploy/overlays/{self.args.overlay} (server-side, images at their content tags)")
        cluster_apply.apply(self.docs)

    def wait(self) -> None:
        cluster_waits.wait_for(self.docs, recover=self.existed)


def steps_of(args) -> tuple[str, ...]:
    names = UP_STEPS if args.action == "up" else DEPLOY_STEPS
    if args.from_step and args.from_step not in names:
        raise DevError(f"--from {args.from_step}: cluster {args.action} has the steps {', '.join(names)}")
    return names


def run_steps(args) -> None:
    names = steps_of(args)
    start = names.index(args.from_step) if args.from_step else 0
    if start:
        say(f"    --from {args.from_step}: skipping {', '.join(names[:start])}")
    run = Run(args)
    muted = False
    with contextlib.ExitStack() as window:
        for number, name in enumerate(names[start:], start=start + 1):
            if name in MUTED and not muted:
                # The deployment-window mute timing is on from before the apply until the rollouts are done.
                window.enter_context(steps.deployment_window())
                muted = True
            step(f"[{number}/{len(names)}] {name}")
            began = time.monotonic()
            try:
                getattr(run, name)()
            except DevError as error:
                resume = f"python3 manage_all.py cluster {args.action} --overlay {args.overlay}"
                resume += f"{' --skip-build' if args.skip_build else ''} --from {name}"
                raise DevError(f"step {name} failed: {error}; after fixing it, resume with `{resume}`") from error
            say(f"    step {name} took {time.monotonic() - began:.1f} s")


def run(args) -> int:
    if args.action == "down":
        preflight("kind", *(("docker",) if args.prune_images else ()))
        steps.delete_cluster()
        if args.prune_images:
            cluster_images.prune()
        return 0
    if args.action == "status":
        preflight("kubectl")
        status()
        cluster_mute.print_status()
        return 0
    if args.action == "mute":
        if args.switch is None:
            raise DevError("cluster mute needs on or off: `python3 manage_all.py cluster mute on`")
        preflight("kubectl")
        step(f"alerts: mute {args.switch}")
        cluster_mute.switch(args.switch, args.hours)
        return 0
    steps_of(args)  # a wrong --from stops before the tools are checked
    preflight(*TOOLS[args.action])
    run_steps(args)
    step(f"retail ({args.overlay}) is up")
    steps.print_urls()
    return 0
