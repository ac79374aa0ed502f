from retail_dev.environment import Infra, migrate_all

help = "Apply database migrations of every project."


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        migrate_all()
    finally:
        infra.stop_started()
    return 0
