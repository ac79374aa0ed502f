"""Template helpers: money, the order timeline, accessible form fields, page links."""

from __future__ import annotations

from decimal import Decimal

from backends.orders import STATUS_LABELS
from django import template

from retail_common.domain_codes import OrderStatus

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}
HAPPY_PATH = (
    OrderStatus.PENDING,
    OrderStatus.INVENTORY_RESERVED,
    OrderStatus.PAYMENT_COMPLETED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


@register.filter
def money(amount, currency: str = "USD") -> str:
    if amount in (None, ""):
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    symbol = SYMBOLS.get(currency or "USD")
    return f"{symbol}{value:,}" if symbol else f"{value:,} {currency}"


@register.simple_tag
def timeline(order) -> list[dict]:
    """Each step of the order's path: done (with its time), current, upcoming, or where it stopped."""
    reached = {step.status: step.at for step in order.history}
    stopped = order.status in (OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED)
    steps = []
    for status in HAPPY_PATH:
        if status in reached:
            state = "current" if status == order.status else "done"
            steps.append({"label": STATUS_LABELS[status], "at": reached[status], "state": state})
        elif not stopped:
            steps.append({"label": STATUS_LABELS[status], "at": None, "state": "upcoming"})
    if stopped:
        steps.append({"label": STATUS_LABELS[order.status], "at": reached.get(order.status), "state": "stopped"})
    return steps


@register.inclusion_tag("includes/field.html")
def field(bound_field, **attrs):
    """A labelled control with its help and errors, tied together with aria attributes."""
    widget_attrs = dict(attrs)
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
        widget_attrs["aria-invalid"] = "true"
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    if bound_field.field.required:
        widget_attrs["required"] = True
    return {"field": bound_field, "control": bound_field.as_widget(attrs=widget_attrs)}


@register.simple_tag
def page_url(query_without_page: str, number: int) -> str:
    return f"?{query_without_page}&page={number}" if query_without_page else f"?page={number}"
