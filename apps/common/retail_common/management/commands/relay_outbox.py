import signal

from django.core.management.base import BaseCommand

from retail_common.events.relay import OutboxRelay
from retail_common.observability.heartbeat import Heartbeat
from retail_common.observability.metrics.exposition import serve_role_metrics


class Command(BaseCommand):
    help = "Send unpublished outbox events to the broker, in order, until stopped (or once with --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain the backlog once and exit.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, once, batch_size, **options):
        relay = OutboxRelay(batch_size=batch_size, heartbeat=Heartbeat.from_env("RELAY_HEARTBEAT_FILE"))

        def stop(*_):
            relay.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"relay_outbox: sending in batches of {batch_size}")
        if not once:  # a one-shot drain is over before anything could scrape it
            self.stdout.write(f"relay_outbox: metrics on port {serve_role_metrics('relay')}")
        relay.run(once=once, on_progress=lambda sent, tried: self.stdout.write(f"relay_outbox: sent {sent}/{tried}"))
