"""`manage_all.py protos`: regenerate the gRPC stubs in apps/common/retail_protos from protos/."""

from retail_dev import protos
from retail_dev.console import say, step

help = "Regenerate the gRPC Python stubs (apps/common/retail_protos) from protos/*.proto."


def add_arguments(parser) -> None:
    parser.add_argument("--check", action="store_true", help="Only report stale stubs; exit 1 if any.")


def run(args) -> int:
    step(f"protos: {', '.join(str(p.relative_to(protos.PROTO_ROOT)) for p in protos.proto_files())}")
    if args.check:
        stale = protos.stale_files()
        for name in stale:
            say(f"    stale: retail_protos/{name}")
        say("    stubs are up to date" if not stale else "    run: python3 manage_all.py protos")
        return 1 if stale else 0
    written = protos.write()
    for name in written:
        say(f"    wrote retail_protos/{name}")
    say(f"    {len(written)} file(s) changed" if written else "    stubs were already up to date")
    return 0
