"""`manage_all.py images base|build|smoke|list`: the container images of the five projects."""

from __future__ import annotations

from retail_dev.console import say, step
from retail_dev.environment import Infra
from retail_dev.images.base import BASE_IMAGE, build_base
from retail_dev.images.build import DEFAULT_BASE, build_all
from retail_dev.images.engine import Engine
from retail_dev.images.image_facts import describe
from retail_dev.projects import web_projects

help = "Container images: build the Debian base (base), the five images (build), run them (smoke), list them."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["base", "build", "smoke", "list"])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"Base image of build (default {DEFAULT_BASE}).")
    parser.add_argument("--tag", default="dev", help="Tag of the images (default dev).")
    parser.add_argument(
        "--project", action="append", choices=[p.name for p in web_projects()], help="build: only this (repeatable)."
    )
    parser.add_argument("--no-cache", action="store_true", help="build: ignore the layer cache.")
    parser.add_argument("--refresh", action="store_true", help="base: debootstrap again instead of the cached root.")


def run(args) -> int:
    engine = Engine()
    infra = Infra()
    try:
        step("container engine")
        engine.ensure_running()
        if args.action == "base":
            step(f"images base: {BASE_IMAGE}")
            build_base(engine, refresh=args.refresh)
        elif args.action == "build":
            step(f"images build on {args.base}")
            built = build_all(engine, base=args.base, tag=args.tag, only=args.project, no_cache=args.no_cache)
            total = sum(b.seconds for b in built)
            say(f"built {len(built)} image(s) in {total:.0f} s: " + ", ".join(b.image for b in built))
        elif args.action == "list":
            for project in web_projects():
                say(describe(engine, f"retail/{project.name}:{args.tag}"))
        else:
            from retail_dev.images.smoke import smoke

            infra.up()
            smoke(engine, tag=args.tag)
    finally:
        infra.stop_started()
        engine.stop_started()
    return 0
