import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ordering.services import order_sweep_unpaid


class Command(BaseCommand):
    help = "Cancel orders stuck in INVENTORY_RESERVED past ORDER_PAYMENT_TIMEOUT_SECONDS (every --interval s)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, once, interval, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while True:
            cancelled = order_sweep_unpaid()
            if cancelled or once:
                self.stdout.write(f"sweep_orders: cancelled {cancelled} order(s) past the payment timeout")
            if once or stop.wait(interval):
                return
            close_old_connections()  # between rounds, like between requests
