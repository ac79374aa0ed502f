"""One module per manage_all.py command: `help`, `add_arguments(parser)`, `run(args) -> int`."""
