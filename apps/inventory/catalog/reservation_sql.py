"""ReserveStock's two statements in plain SQL, one round trip each for "lock and read" and "record",
where the ORM needed seven round trips and ~2 ms of query building (docs/benchmarks.md, inventory:
ReserveStock p50 ~8-9 ms → ~3 ms). Every other write of the saga goes through the ORM."""

from __future__ import annotations

import json
import uuid

from django.db import connection
from django.utils import timezone

from catalog.models import Product, Reservation, ReservationLine, Stock
from retail_common.db import model_sql
from retail_common.db.model_sql import Sql

LOCK_AND_READ = f"""
    SELECT s.product_id, s.on_hand - s.reserved, p.sku, p.name, p.price::text, p.currency,
           (SELECT r.answer::text FROM {Reservation._meta.db_table} r WHERE r.order_id = %s)
    FROM {Stock._meta.db_table} s JOIN {Product._meta.db_table} p ON p.id = s.product_id
    WHERE s.product_id = ANY(%s) AND p.is_active
    ORDER BY s.product_id
    FOR UPDATE OF s
"""  # noqa: S608 (table names from models, values as parameters)


def stock_lock(order_id: uuid.UUID, product_ids: list[int]) -> tuple[dict[int, dict], dict | None]:
    """Lock the stock rows in product order; returns ({product_id: row}, the order's stored answer or None).

    The stored answer is read in the same statement; a twin call committing while we waited for the
    locks is caught later by the unique order id instead.
    """
    with connection.cursor() as cursor:
        cursor.execute(LOCK_AND_READ, [order_id, product_ids])
        rows = cursor.fetchall()
    existing = json.loads(rows[0][6]) if rows and rows[0][6] is not None else None
    stock = {
        row[0]: {"available": row[1], "sku": row[2], "name": row[3], "unit_price": row[4], "currency": row[5]}
        for row in rows
    }
    return stock, existing


def reservation_record(order_id: uuid.UUID, answer: dict, lines: list[dict], *, event: Sql) -> None:
    """Insert the reservation with its lines and the outbox row `event` (outbox_relay_only_sql), and add
    the reserved quantities, in one statement: the stock rows stay locked one round trip less."""
    # Rows as values, not model instances: ReserveStock's hot path.
    booked = model_sql.insert([{"order_id": order_id, "answer": answer}], model=Reservation, name="booked")
    rows = [{key: line[key] for key in ("product_id", "quantity", "unit_price", "currency")} for line in lines]
    lined = model_sql.insert(
        rows,
        model=ReservationLine,
        name="lined",
        expressions={"reservation": "(SELECT id FROM booked)"},
        returning="product_id, quantity",
    )
    bumped = model_sql.Sql(
        f"UPDATE {model_sql.table(Stock)} s SET reserved = s.reserved + l.quantity, updated_at = %(bumped_at)s "  # noqa: S608
        "FROM lined l WHERE s.product_id = l.product_id",
        {"bumped_at": timezone.now()},
    )
    model_sql.run(
        model_sql.with_ctes({"booked": booked, "lined": lined, "announced": event, "bumped": bumped}, "SELECT 1")
    )
