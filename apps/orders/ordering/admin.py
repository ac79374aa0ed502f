from django.contrib import admin, messages

from ordering.models import Order, OrderItem, OrderStatus, OrderStatusChange
from ordering.services import order_fulfil
from retail_common.domain.errors import DomainError


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ("product_id", "sku", "name", "unit_price", "quantity")
    readonly_fields = fields
    extra = 0
    can_delete = False


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    fields = ("status", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "cancel_reason", "total", "currency", "user_id", "created_at")
    list_filter = ("status", "cancel_reason")
    search_fields = ("id", "user_id")
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderItemInline, OrderStatusChangeInline]
    actions = ["ship", "deliver"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _fulfil(self, request, queryset, status):
        for order in queryset:
            try:
                order_fulfil(order=order, status=status)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.WARNING)

    @admin.action(description="Ship (paid orders)")
    def ship(self, request, queryset):
        self._fulfil(request, queryset, OrderStatus.SHIPPED)

    @admin.action(description="Deliver (shipped orders)")
    def deliver(self, request, queryset):
        self._fulfil(request, queryset, OrderStatus.DELIVERED)
