from collections import Counter

from rest_framework import serializers

from ordering.models import Order, OrderItem
from retail_common.db.limits import PG_BIGINT_MAX
from retail_common.domain.cards import card_digits, card_number_problem

MAX_QUANTITY = 1000  # per product and order, as the order_item_quantity_range constraint says


class ItemInput(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=PG_BIGINT_MAX)  # an int64 in ReserveStock
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class AddressInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.RegexField(r"^[A-Za-z0-9 -]{3,12}$", max_length=12)
    country = serializers.RegexField(r"^[A-Z]{2}$", help_text="ISO 3166-1 alpha-2")


class PaymentMethodInput(serializers.Serializer):
    card_number = serializers.CharField(max_length=23)

    def validate_card_number(self, value: str) -> str:
        problem = card_number_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return card_digits(value)


class OrderInput(serializers.Serializer):
    items = ItemInput(many=True, allow_empty=False, max_length=50)
    shipping_address = AddressInput()
    # No price or total field: whatever a client sends for them is ignored, never trusted.
    payment_method = PaymentMethodInput()

    def validate_items(self, items: list[dict]) -> list[dict]:
        # Lines of one product are merged into one order item: their sum obeys the per-line bound too
        # (it used to reach the database constraint as a 500).
        totals = Counter()
        for item in items:
            totals[item["product_id"]] += item["quantity"]
        over = sorted(product for product, quantity in totals.items() if quantity > MAX_QUANTITY)
        if over:
            raise serializers.ValidationError(
                f"The quantities of product {over[0]} add up to {totals[over[0]]}; at most {MAX_QUANTITY} per product."
            )
        return items


class OrderItemOutput(serializers.ModelSerializer):
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = OrderItem
        fields = ["product_id", "sku", "name", "unit_price", "quantity", "line_total"]


class OrderOutput(serializers.ModelSerializer):
    items = OrderItemOutput(many=True, source="item_rows")  # loaded by selectors.order_queryset()
    payment = serializers.SerializerMethodField()
    status_history = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "cancel_reason",
            "unavailable",
            "items",
            "total",
            "currency",
            "shipping_address",
            "payment",
            "created_at",
            "updated_at",
            "status_history",
        ]

    def get_payment(self, order) -> dict:
        return {"brand": order.card_brand, "last4": order.card_last4}

    def get_status_history(self, order) -> list[dict]:
        return [{"status": change.status, "at": change.at.isoformat()} for change in order.history_rows]
