from retail_dev.console import step
from retail_dev.environment import Infra
from retail_dev.infra import components

help = "Start (up) or stop (down) only the embedded infrastructure."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["up", "down"])


def run(args) -> int:
    if args.action == "up":
        Infra().up()
        return 0
    step("stopping the embedded infrastructure")
    for component in reversed(components()):
        if not component.external:
            component.stop()
    return 0
