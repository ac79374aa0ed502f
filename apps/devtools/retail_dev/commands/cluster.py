"""`manage_all.py cluster up|deploy|status|down`: the platform on a local 3-node kind cluster."""

from retail_dev.console import step
from retail_dev.deploy import cluster_steps as steps
from retail_dev.deploy import render

help = "A local kind cluster: up (create, build and load images, Istio, deploy), deploy, status, down."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["up", "deploy", "status", "down"])
    parser.add_argument("--overlay", choices=render.OVERLAYS, default="dev", help="Which overlay to apply (dev).")
    parser.add_argument("--tag", default="dev", help="Image tag to build and load (dev).")
    parser.add_argument("--no-build", action="store_true", help="Load the images already built; do not build.")


def run(args) -> int:
    if args.action == "down":
        steps.require("kind")
        steps.delete_cluster()
        return 0
    if args.action == "status":
        steps.require("kubectl")
        steps.status()
        return 0
    if args.action == "up":
        steps.require("kind", "docker", "istioctl", "kubectl")
        steps.create_cluster()
        steps.load_images(args.tag, build=not args.no_build)
        steps.install_istio()
    else:
        steps.require("kubectl")
    # The deployment-window mute timing is on from before the apply until the rollouts are done (or failed).
    with steps.deployment_window():
        steps.apply_overlay(args.overlay)
        steps.wait_for(args.overlay)
    step(f"retail ({args.overlay}) is up")
    steps.print_urls()
    return 0
