"""The saga's hot statements in plain SQL: ReserveStock is one round trip each for "lock and read" and
"record", where the ORM needed five, and confirming a paid order is one, where it needed five
(docs/benchmarks.md, inventory and saga)."""

from __future__ import annotations

import json
import uuid

from django.db import connection

from catalog.models import Product, Reservation, ReservationLine, Stock

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


def reservation_record(order_id: uuid.UUID, answer: dict, lines: list[dict], *, event: tuple[str, list]) -> None:
    """Add the reserved quantities, insert the reservation with its lines and the outbox row `event`
    (outbox_relay_only_sql), in one statement: the stock rows stay locked one round trip less."""
    values = ", ".join(["(%s::bigint, %s::integer, %s::numeric, %s)"] * len(lines))
    params = [order_id, json.dumps(answer)]
    for line in lines:
        params += [line["product_id"], line["quantity"], line["unit_price"], line["currency"]]
    stock, reservation, line_table = Stock._meta.db_table, Reservation._meta.db_table, ReservationLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted(product_id, quantity, unit_price, currency) AS (VALUES {values}),
            bumped AS (
                UPDATE {stock} s SET reserved = s.reserved + w.quantity, updated_at = now()
                FROM wanted w WHERE s.product_id = w.product_id RETURNING s.product_id
            ),
            booked AS (
                INSERT INTO {reservation} (order_id, status, answer, reason, created_at)
                VALUES (%s, 'RESERVED', %s::jsonb, '', now()) RETURNING id
            ),
            announced AS ({event[0]})
            INSERT INTO {line_table} (reservation_id, product_id, quantity, unit_price, currency)
            SELECT booked.id, w.product_id, w.quantity, w.unit_price, w.currency FROM booked, wanted w
            """,  # noqa: S608
            [*params[2:], *params[:2], *event[1]],
        )


def reservation_confirm(order_id: uuid.UUID) -> bool:
    """RESERVED → CONFIRMED, and the reserved units leave the shelf, in one statement; False if the
    order has no RESERVED reservation. Stock rows are locked in product order, as ReserveStock does."""
    stock, reservation, line_table = Stock._meta.db_table, Reservation._meta.db_table, ReservationLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH confirmed AS (
                UPDATE {reservation} SET status = 'CONFIRMED', confirmed_at = now()
                WHERE order_id = %s AND status = 'RESERVED' RETURNING id
            ),
            locked AS (
                SELECT s.product_id, l.quantity
                FROM {stock} s
                JOIN {line_table} l ON l.product_id = s.product_id
                JOIN confirmed c ON c.id = l.reservation_id
                ORDER BY s.product_id
                FOR UPDATE OF s
            ),
            shipped AS (
                UPDATE {stock} s
                SET on_hand = s.on_hand - locked.quantity, reserved = s.reserved - locked.quantity, updated_at = now()
                FROM locked WHERE s.product_id = locked.product_id
                RETURNING s.product_id
            )
            SELECT count(*) FROM confirmed
            """,  # noqa: S608
            [order_id],
        )
        return cursor.fetchone()[0] > 0
