import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from prometheus_client import Gauge

from ordering.selectors import order_open_oldest_age_seconds
from ordering.services import order_sweep_unpaid
from retail_common.observability.heartbeat import Heartbeat
from retail_common.observability.metrics.exposition import serve_role_metrics

# The "order stuck before a final state for 5 minutes" alert reads this (> 300).
OPEN_OLDEST_AGE = Gauge(
    "retail_orders_open_oldest_age_seconds", "Age of the oldest order the saga has not finished; 0 when none."
)


class Command(BaseCommand):
    help = "Cancel orders stuck in INVENTORY_RESERVED past ORDER_PAYMENT_TIMEOUT_SECONDS (every --interval s)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, once, interval, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        if not once:
            self.stdout.write(f"sweep_orders: metrics on port {serve_role_metrics('sweeper')}")
        heartbeat = Heartbeat.from_env("SWEEPER_HEARTBEAT_FILE")
        while True:
            heartbeat.beat()
            cancelled = order_sweep_unpaid()
            OPEN_OLDEST_AGE.set(order_open_oldest_age_seconds())
            if cancelled or once:
                self.stdout.write(f"sweep_orders: cancelled {cancelled} order(s) past the payment timeout")
            if once or heartbeat.pause(interval, stop.is_set):
                return
            close_old_connections()  # between rounds, like between requests
