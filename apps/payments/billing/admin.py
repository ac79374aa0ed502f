from django.contrib import admin

from billing.models import CancelledOrder, Payment
from retail_common.admin import ReadOnlyAdmin


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
