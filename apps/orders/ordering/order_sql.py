"""The saga's hot statements on orders in plain SQL. The ORM spent more Python than the database spent
on the round trips themselves: placing an order was five round trips (BEGIN, three INSERTs, COMMIT),
recording its reservation six, and a transition a locking SELECT, an UPDATE and an INSERT.
See docs/benchmarks.md, saga. Column lists and values come from the models' own fields."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import Model

from ordering.models import Order, OrderItem, OrderStatusChange


def _insert(objs: list[Model]) -> tuple[str, list]:
    """An INSERT of these instances of one model, as Django would write it (defaults, auto_now_add),
    returning the database-assigned id if the model has one."""
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    quote = connection.ops.quote_name
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    returning = f" RETURNING {quote(meta.auto_field.column)}" if meta.auto_field else ""
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join([row] * len(objs))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}{returning}", params  # noqa: S608


def saved(obj: Model) -> Model:
    """Mark an instance written by plain SQL as Django marks one it saved."""
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def order_place(order: Order, items: list[OrderItem], history: OrderStatusChange) -> None:
    """Insert the order, its lines and its first history entry in one statement: one round trip, and
    atomic without a transaction block. Sets the ids the database assigned. Raises IntegrityError for a
    replayed idempotency key (nothing is written then)."""
    parts, params = [], []
    for name, objs in (("placed", [order]), ("lines", items), ("logged", [history])):
        sql, values = _insert(objs)
        parts.append(f"{name} AS ({sql})")
        params += values
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(parts)} SELECT id, 1 FROM lines UNION ALL SELECT id, 2 FROM logged",  # noqa: S608
            params,
        )
        ids = cursor.fetchall()
    # RETURNING gives a multi-row insert's ids in VALUES order (bulk_create relies on this too).
    for item, (pk, _) in zip(items, [row for row in ids if row[1] == 1], strict=True):
        item.pk = item.id = pk
    history.pk = history.id = next(pk for pk, kind in ids if kind == 2)
    for obj in (order, *items, history):
        saved(obj)


def order_reserved_record(order: Order, items: list[OrderItem], at) -> int | None:
    """PENDING → INVENTORY_RESERVED with the total, the lines' sku, name and price from inventory's
    answer, and the history entry, in one statement. Returns the history entry's id, or None (nothing
    written) if the order is no longer PENDING. The guarded UPDATE keeps the order row locked for the
    rest of the caller's transaction."""
    lines = ", ".join(["(%s::bigint, %s, %s, %s::numeric)"] * len(items))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH moved AS (
                UPDATE {Order._meta.db_table} SET status = %s, total = %s, currency = %s, updated_at = %s
                WHERE id = %s AND status = 'PENDING' RETURNING id
            ),
            priced AS (
                UPDATE {OrderItem._meta.db_table} AS item
                SET sku = line.sku, name = line.name, unit_price = line.unit_price
                FROM (VALUES {lines}) AS line(id, sku, name, unit_price), moved
                WHERE item.id = line.id
            ),
            logged AS (
                INSERT INTO {OrderStatusChange._meta.db_table} (order_id, status, at)
                SELECT id, %s, %s FROM moved RETURNING id
            )
            SELECT id FROM logged
            """,  # noqa: S608 (table names from the models; values are parameters)
            [
                *(str(order.status), order.total, order.currency, order.updated_at, order.pk),
                *(value for item in items for value in (item.pk, item.sku, item.name, item.unit_price)),
                *(str(order.status), at),
            ],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


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
