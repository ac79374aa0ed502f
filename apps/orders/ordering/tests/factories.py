import uuid
from decimal import Decimal

from ordering.models import Order, OrderItem, OrderStatus, OrderStatusChange
from retail_dev.factories import address


def order_make(*, user_id=None, status=OrderStatus.INVENTORY_RESERVED, total="25.98", **fields) -> Order:
    order = Order.objects.create(
        user_id=user_id or uuid.uuid4(),
        status=status,
        total=Decimal(total),
        shipping_address=address(),
        card_brand="visa",
        card_last4="4242",
        idempotency_key=fields.pop("idempotency_key", uuid.uuid4().hex),
        request_hash="0" * 64,
        **fields,
    )
    OrderItem.objects.create(
        order=order, product_id=7, quantity=2, sku="KIT-001", name="Mug", unit_price=Decimal("12.99")
    )
    OrderStatusChange.objects.create(order=order, status=OrderStatus.PENDING)
    if status != OrderStatus.PENDING:
        OrderStatusChange.objects.create(order=order, status=status)
    return order
