"""Outbox retention: published rows older than OUTBOX_RETENTION_HOURS go (the relay calls it hourly)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from retail_common.config.retail_settings import retail_settings
from retail_common.models import OutboxEvent


def outbox_prune(*, older_than_hours: int | None = None) -> int:
    hours = older_than_hours if older_than_hours is not None else retail_settings().OUTBOX_RETENTION_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = OutboxEvent.objects.filter(published_at__lt=cutoff).delete()
    return deleted
