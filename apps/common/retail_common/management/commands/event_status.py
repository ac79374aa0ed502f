import json

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db.models import Min
from django.utils import timezone

from retail_common.events.consumer.liveness import lag_cache_key
from retail_common.events.handlers import registered_groups
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent


class Command(BaseCommand):
    help = "Outbox backlog, failed events waiting for a person, and consumer lag of this service (JSON with --json)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, as_json: bool = False, **options):
        pending = OutboxEvent.objects.filter(published_at__isnull=True)
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        status = {
            "outbox_pending": pending.count(),
            "outbox_oldest_pending_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else None,
            "failed_events_pending": FailedEvent.objects.filter(status=FailedEventStatus.PENDING).count(),
            # Published by each running consumer every few seconds; absent when none runs.
            "consumer_lag": {group: cache.get(lag_cache_key(group)) for group in registered_groups()},
        }
        if as_json:
            self.stdout.write(json.dumps(status, sort_keys=True))
            return
        self.stdout.write(f"outbox pending: {status['outbox_pending']}")
        self.stdout.write(f"failed events pending: {status['failed_events_pending']}")
        for group, lag in status["consumer_lag"].items():
            self.stdout.write(f"consumer lag of {group}: {lag if lag is not None else 'no running consumer'}")
