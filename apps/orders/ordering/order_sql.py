"""The saga's hot statements on orders in plain SQL. The ORM spent more Python than the database spent
on the round trips themselves: placing an order was five round trips (BEGIN, three INSERTs, COMMIT),
recording its reservation six, and a transition a locking SELECT, an UPDATE and an INSERT.
See docs/benchmarks.md, saga. Every statement is built by retail_common.model_sql from the models'
own fields, and the state machine's guard from TRANSITIONS alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordering.models import TRANSITIONS, Order, OrderItem, OrderStatusChange
from retail_common import model_sql


def order_place(
    order: Order, items: list[OrderItem], history: OrderStatusChange
) -> tuple[Order, list[OrderItem], OrderStatusChange]:
    """Insert the order, its lines and its first history entry in one statement: one round trip, and
    atomic without a transaction block. Returns them as saved, with the ids the database assigned.
    Raises IntegrityError for a replayed idempotency key (nothing is written then)."""
    statement = model_sql.with_ctes(
        {
            "placed": model_sql.insert([order], name="placed"),
            "lines": model_sql.insert(items, name="lines"),
            "logged": model_sql.insert([history], name="logged"),
        },
        "SELECT id, 1 FROM lines UNION ALL SELECT id, 2 FROM logged",
    )
    ids = model_sql.run(statement)
    # RETURNING gives a multi-row insert's ids in VALUES order (bulk_create relies on this too).
    line_ids = [pk for pk, kind in ids if kind == 1]
    lines = [model_sql.saved(item, id=pk) for item, pk in zip(items, line_ids, strict=True)]
    logged = model_sql.saved(history, id=next(pk for pk, kind in ids if kind == 2))
    return model_sql.saved(order), lines, logged


def order_sources(status: str) -> list[str]:
    """The statuses TRANSITIONS lets an order leave for `status`."""
    return sorted(str(source) for source, targets in TRANSITIONS.items() if status in targets)


def order_move(
    order_id, status: str, *, at: datetime, changes: dict[str, Any], lines: list[OrderItem] | None = None
) -> tuple[Order, OrderStatusChange] | None:
    """Move the order to `status` (with `changes` to its other fields) if TRANSITIONS allows it from the
    status it has, price `lines` (sku, name, unit_price) and log the move in its history: one statement,
    whose guarded UPDATE locks the row for the rest of the caller's transaction. Returns the order and
    its new history entry as stored, or None (nothing written) for a step the saga does not allow."""
    moved = model_sql.update(
        Order,
        name="moved",
        values={**changes, "status": status, "updated_at": at},
        where="id = %(order_id)s AND status = ANY(%(sources)s)",
        params={"order_id": order_id, "sources": order_sources(status)},
        returning=model_sql.columns(Order),
    )
    ctes = {"moved": moved}
    if lines:
        priced = model_sql.values_table(lines, name="line", fields=["id", "sku", "name", "unit_price"])
        ctes["priced"] = model_sql.Sql(
            f"UPDATE {model_sql.table(OrderItem)} AS item "  # noqa: S608 (names from the model)
            f"SET sku = line.sku, name = line.name, unit_price = line.unit_price "
            f"FROM {priced.text}, moved WHERE item.id = line.id",
            priced.params,
        )
    change = OrderStatusChange(order_id=order_id, status=status, at=at)
    # Logged once per moved row (none when the guard refused), at the order's own updated_at.
    logged = {"order": "moved.id", "at": "moved.updated_at"}
    ctes["logged"] = model_sql.insert([change], name="logged", source="moved", expressions=logged, returning="id")
    rows = model_sql.run(model_sql.with_ctes(ctes, "SELECT moved.*, logged.id FROM moved, logged"))
    if not rows:
        return None
    (order,) = model_sql.instances(Order, rows)
    return order, model_sql.saved(change, id=rows[0][-1])
