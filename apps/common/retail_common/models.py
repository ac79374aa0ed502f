"""Library-owned tables present in every service database: outbox, processed events, failed events.

They never foreign-key into a service and own their migrations.
"""

import uuid

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event written in the same transaction as the state change it announces."""

    id = models.BigAutoField(primary_key=True)  # send order
    # Not unique: a manual retry re-sends the original event (same id) through the outbox.
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    topic = models.CharField(max_length=200, help_text="Logical topic name (no deployment prefix).")
    key = models.CharField(max_length=200)
    envelope = models.JSONField()
    headers = models.JSONField(default=dict, blank=True)
    # The W3C context ({traceparent, tracestate}) of the transaction that wrote the row: the relay's
    # send continues that trace seconds later. A database default, so an INSERT that names no context works.
    trace_context = models.JSONField(default=dict, db_default=models.Value({}, models.JSONField()), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The relay leaves a row alone until then: the after-commit sender owns it for a grace period. The
    # database default makes the INSERT return it, which is how outbox_insert learns the row's owner.
    relay_after = models.DateTimeField(default=timezone.now, db_default=Now())
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(published_at__isnull=True), name="retail_outbox_unpublished"
            ),
            models.Index(
                fields=["key", "id"], condition=models.Q(published_at__isnull=True), name="retail_outbox_key_unpub"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.event_id} ({'published' if self.published_at else 'pending'})"


class ProcessedEvent(models.Model):
    """Inbox: written in the handler's transaction, so a redelivered event has no second effect."""

    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    topic = models.CharField(max_length=200)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "event_id"], name="retail_processed_once_per_group")]

    def __str__(self) -> str:
        return f"{self.group} {self.event_id}"


class FailedEventStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RETRIED = "RETRIED", "Retried"
    DISCARDED = "DISCARDED", "Discarded"
    RESOLVED = "RESOLVED", "Resolved"


class FailedEvent(models.Model):
    """A message that exhausted its retries (or could not be decoded), kept for a person to retry or discard."""

    id = models.BigAutoField(primary_key=True)
    group = models.CharField(max_length=100)
    topic = models.CharField(max_length=200, help_text="Original (main) topic.")
    key = models.CharField(max_length=200, blank=True, help_text="Readable preview of the message key.")
    event_id = models.UUIDField(null=True, blank=True, help_text="Empty for undecodable messages.")
    payload = models.TextField(help_text="Readable preview of the value: invalid UTF-8 and controls escaped.")
    headers = models.JSONField(default=dict, blank=True, help_text="Readable headers, one value per name.")
    # The record exactly as received (text columns refuse NUL bytes and invalid UTF-8): retry reads these.
    raw_value = models.BinaryField(null=True, blank=True, help_text="The value's bytes (empty: a null value).")
    raw_key = models.BinaryField(null=True, blank=True)
    raw_headers = models.JSONField(default=list, blank=True, help_text="Every header in order: [name, base64].")
    value_size = models.PositiveIntegerField(default=0, help_text="Bytes in the value.")
    error_type = models.CharField(max_length=200)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=FailedEventStatus.choices, default=FailedEventStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.CharField(max_length=254, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "topic"], name="retail_failed_status_topic")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=FailedEventStatus.values), name="retail_failed_status_valid"
            ),
            # A DLT redelivery of the same event must not create a second row.
            models.UniqueConstraint(
                fields=["group", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="retail_failed_once_per_group_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} [{self.group}] {self.status}"
