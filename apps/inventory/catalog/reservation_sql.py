"""The saga's hot statements in plain SQL: ReserveStock is an unlocked read and one statement that
locks, checks and records (the ORM needed five round trips, all under the lock), and confirming a
paid order is one statement, where the ORM needed five (docs/benchmarks.md, inventory and saga)."""

from __future__ import annotations

import json
import uuid

from django.db import connection

from catalog.models import Product, Reservation, ReservationLine, Stock

STOCK_READ = f"""
    SELECT s.product_id, s.on_hand - s.reserved, p.sku, p.name, p.price::text, p.currency,
           (SELECT r.answer::text FROM {Reservation._meta.db_table} r WHERE r.order_id = %s)
    FROM {Stock._meta.db_table} s JOIN {Product._meta.db_table} p ON p.id = s.product_id
    WHERE s.product_id = ANY(%s) AND p.is_active
"""  # noqa: S608 (table names from models, values as parameters)


def stock_read(order_id: uuid.UUID, product_ids: list[int]) -> tuple[dict[int, dict], dict | None]:
    """Read, without locking, the products' stock and catalog data and the order's stored answer;
    returns ({product_id: row}, the stored answer or None). reservation_book decides under the locks."""
    with connection.cursor() as cursor:
        cursor.execute(STOCK_READ, [order_id, product_ids])
        rows = cursor.fetchall()
    existing = json.loads(rows[0][6]) if rows and rows[0][6] is not None else None
    stock = {
        row[0]: {"available": row[1], "sku": row[2], "name": row[3], "unit_price": row[4], "currency": row[5]}
        for row in rows
    }
    return stock, existing


def reservation_book(order_id: uuid.UUID, answer: dict, lines: list[dict]) -> tuple[bool, dict[int, int]]:
    """In one statement: lock the stock rows in product order, and only if every line still fits add
    the reserved quantities and insert the reservation with its lines. Returns (booked, {product_id:
    available under the lock}). The locks are taken by the transaction's last statement before its
    commit, so a hot product's row is held for two round trips, not four."""
    values = ", ".join(["(%s::bigint, %s::integer, %s::numeric, %s)"] * len(lines))
    params = [
        value
        for line in lines
        for value in (line["product_id"], line["quantity"], line["unit_price"], line["currency"])
    ]
    stock, product = Stock._meta.db_table, Product._meta.db_table
    reservation, line_table = Reservation._meta.db_table, ReservationLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted(product_id, quantity, unit_price, currency) AS (VALUES {values}),
            locked AS (
                SELECT s.product_id, s.on_hand - s.reserved AS available
                FROM {stock} s JOIN {product} p ON p.id = s.product_id
                WHERE s.product_id IN (SELECT product_id FROM wanted) AND p.is_active
                ORDER BY s.product_id
                FOR UPDATE OF s
            ),
            fits AS (
                SELECT count(*) = %s AS yes FROM locked JOIN wanted w USING (product_id)
                WHERE locked.available >= w.quantity
            ),
            bumped AS (
                UPDATE {stock} s SET reserved = s.reserved + w.quantity, updated_at = now()
                FROM wanted w, fits WHERE fits.yes AND s.product_id = w.product_id
            ),
            booked AS (
                INSERT INTO {reservation} (order_id, status, answer, reason, created_at)
                SELECT %s, 'RESERVED', %s::jsonb, '', now() FROM fits WHERE fits.yes
                RETURNING id
            ),
            lined AS (
                INSERT INTO {line_table} (reservation_id, product_id, quantity, unit_price, currency)
                SELECT booked.id, w.product_id, w.quantity, w.unit_price, w.currency FROM booked, wanted w
            )
            SELECT fits.yes, locked.product_id, locked.available FROM fits LEFT JOIN locked ON true
            """,  # noqa: S608
            [*params, len(lines), order_id, json.dumps(answer)],
        )
        rows = cursor.fetchall()
    return rows[0][0], {row[1]: row[2] for row in rows if row[1] is not None}


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
