import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.grpc_server import server_build
from retail_common.observability.metrics.exposition import serve_role_metrics


class Command(BaseCommand):
    help = "Serve the gRPC InventoryService (and grpc.health.v1) until SIGTERM, then stop gracefully."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None, help="Default: GRPC_PORT (50051).")
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (a server in a pod listens on all interfaces)
        parser.add_argument("--grace", type=float, default=10.0, help="Seconds in-flight calls get on stop.")

    def handle(self, *args, port, host, grace, **options):
        try:
            server, health, bound = server_build(
                port=port or settings.GRPC_PORT, max_workers=settings.GRPC_MAX_WORKERS, host=host
            )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        metrics_port = serve_role_metrics("grpc")
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        signal.signal(signal.SIGINT, lambda *_: stopping.set())
        server.start()
        self.stdout.write(
            f"run_grpc: serving on {host}:{bound} ({settings.GRPC_MAX_WORKERS} threads, metrics on port {metrics_port})"
        )
        stopping.wait()
        health.enter_graceful_shutdown()  # probes see NOT_SERVING while in-flight calls finish
        server.stop(grace).wait()
        self.stdout.write("run_grpc: stopped")
