"""The saga's hot statements on orders in plain SQL, where the ORM cost more Python than the database
round trips themselves (bulk_update builds a CASE per field and row; a transition was a locking
SELECT, an UPDATE and an INSERT). See docs/benchmarks.md, saga."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from ordering.models import Order, OrderItem, OrderStatusChange


def order_items_price(rows: list[OrderItem]) -> None:
    """Write each line's sku, name and unit price (from inventory's answer) in one UPDATE."""
    values = ", ".join(["(%s::bigint, %s, %s, %s::numeric)"] * len(rows))
    params = [value for row in rows for value in (row.pk, row.sku, row.name, row.unit_price)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {OrderItem._meta.db_table} AS item SET sku = line.sku, name = line.name, "  # noqa: S608
            f"unit_price = line.unit_price FROM (VALUES {values}) AS line(id, sku, name, unit_price) "
            "WHERE item.id = line.id",
            params,
        )


def order_move(order_id, status: str, *, sources: list[str], at) -> Decimal | None:
    """Move the order to `status` if it is in one of `sources`, and log it in its history, in one
    statement (the guarded UPDATE locks the row); returns the order's total, or None if it did not move."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH moved AS (
                UPDATE {Order._meta.db_table} SET status = %s, updated_at = %s
                WHERE id = %s AND status = ANY(%s) RETURNING id, total
            ),
            logged AS (
                INSERT INTO {OrderStatusChange._meta.db_table} (order_id, status, at) SELECT id, %s, %s FROM moved
            )
            SELECT total FROM moved
            """,  # noqa: S608
            [status, at, order_id, sources, status, at],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
