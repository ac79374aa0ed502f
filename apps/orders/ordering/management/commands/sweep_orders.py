import signal
import threading
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from prometheus_client import Gauge

from ordering.models import Order, OrderStatus
from ordering.selectors import order_open_oldest_age_seconds
from ordering.services import order_cancel
from retail_common.errors import Conflict
from retail_common.metrics_export import serve_role_metrics

# The "order stuck before a final state for 5 minutes" alert reads this (> 300).
OPEN_OLDEST_AGE = Gauge(
    "retail_orders_open_oldest_age_seconds", "Age of the oldest order the saga has not finished; 0 when none."
)


def sweep() -> int:
    """Cancel orders waiting for payment longer than ORDER_PAYMENT_TIMEOUT_SECONDS, through the cancel path."""
    cutoff = timezone.now() - timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS)
    cancelled = 0
    for order in Order.objects.filter(status=OrderStatus.INVENTORY_RESERVED, updated_at__lt=cutoff).order_by(
        "created_at"
    )[:500]:
        try:
            order_cancel(order=order, reason="PAYMENT_TIMEOUT")
            cancelled += 1
        except Conflict:  # paid or cancelled meanwhile
            pass
    return cancelled


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
        while True:
            cancelled = sweep()
            OPEN_OLDEST_AGE.set(order_open_oldest_age_seconds())
            if cancelled or once:
                self.stdout.write(f"sweep_orders: cancelled {cancelled} order(s) past the payment timeout")
            if once or stop.wait(interval):
                return
            close_old_connections()  # between rounds, like between requests
