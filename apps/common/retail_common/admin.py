"""Django admin for the library's tables: failed events with Retry / Discard, the outbox read-only."""

import base64

from django.contrib import admin, messages

from retail_common.domain.errors import DomainError
from retail_common.events.failed import failed_event_discard, failed_event_retry
from retail_common.models import FailedEvent, OutboxEvent

RAW_PREVIEW_BYTES = 4096


def base64_preview(data) -> str:
    if data is None:
        return "(null)"
    data = bytes(data)
    shown = base64.b64encode(data[:RAW_PREVIEW_BYTES]).decode()
    return shown if len(data) <= RAW_PREVIEW_BYTES else f"{shown}… (first {RAW_PREVIEW_BYTES} of {len(data)} bytes)"


def _apply(modeladmin, request, queryset, action, verb: str) -> None:
    done, refused = 0, []
    for failed in queryset:
        try:
            action(failed_event_id=failed.id, actor=request.user.get_username())
            done += 1
        except DomainError as exc:
            refused.append(exc.detail)
    if done:
        modeladmin.message_user(request, f"{verb} {done} failed event(s).", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their service's rules: admin shows them, never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FailedEvent)
class FailedEventAdmin(admin.ModelAdmin):
    list_display = ("id", "topic", "group", "key", "status", "attempts", "error_type", "created_at", "retried_by")
    list_filter = ("status", "topic", "group", "error_type")
    search_fields = ("key", "event_id", "error_message")
    # The raw bytes are shown as base64 (a memoryview's repr of a 1 MiB value would be neither safe nor readable).
    readonly_fields = [f.name for f in FailedEvent._meta.fields if f.name not in ("raw_value", "raw_key")] + [
        "raw_value_base64",
        "raw_key_base64",
    ]
    actions = ["retry", "discard"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw_value")  # loaded only where it is shown

    @admin.display(description="raw value (base64)")
    def raw_value_base64(self, obj) -> str:
        return base64_preview(obj.raw_value)

    @admin.display(description="raw key (base64)")
    def raw_key_base64(self, obj) -> str:
        return base64_preview(obj.raw_key)

    @admin.action(description="Retry: re-send to the original topic")
    def retry(self, request, queryset):
        _apply(self, request, queryset, failed_event_retry, "Retried")

    @admin.action(description="Discard")
    def discard(self, request, queryset):
        _apply(self, request, queryset, failed_event_discard, "Discarded")

    def has_add_permission(self, request):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "key", "created_at", "published_at", "attempts")
    list_filter = ("topic", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "event_id")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
