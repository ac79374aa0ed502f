from django.contrib import admin

from billing.models import CancelledOrder, Payment


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payments change only through the saga; admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "order_id",
        "amount",
        "currency",
        "status",
        "decline_reason",
        "card_brand",
        "card_last4",
        "created_at",
    )
    list_filter = ("status", "currency", "card_brand")
    search_fields = ("order_id", "id", "user_id")


@admin.register(CancelledOrder)
class CancelledOrderAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "reason", "created_at")
    search_fields = ("order_id",)
