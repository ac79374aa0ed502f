"""Plain-SQL INSERTs built from a model's own fields, for ReserveStock's one "record" statement.

Why it exists: ReserveStock writes the reservation, its lines, its relay-only outbox row and the stock
bump in one statement (CTEs) while the stock rows are locked; through the ORM that was seven round
trips and ~2 ms of query building, ReserveStock's p50 over gRPC ~8-9 ms against ~3 ms now
(docs/benchmarks.md, inventory). Every other write goes through the ORM.

Written by hand, such an INSERT drifts from its model: a new field with a Python-side default is
silently left out, enum members turn into SQL literals. Here an INSERT lists every written column with
the value Django would save (defaults, `auto_now_add`), values are named parameters (psycopg's
`%(name)s`, prefixed with the fragment's name so fragments combine). Rows are given as mappings of
attnames to values, not model instances: ReserveStock's hot path (1,456 → 1,169 Python calls per
reservation with statement texts cached per shape and no instances built).

    booked = model_sql.insert([{"order_id": pk, "answer": answer}], model=Reservation, name="booked")
    model_sql.run(model_sql.with_ctes({"booked": booked}, "SELECT 1"))
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone

# Statement texts are cached per shape: ReserveStock rebuilt the same text on every call. Shapes are few
# (a fragment name per call site, one per row count); the bound only guards memory.
SHAPES_CACHED = 1024


@dataclass(frozen=True)
class Sql:
    """A statement or a fragment of one, with its named parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


@functools.cache
def quote(name: str) -> str:
    # Cached: the hot path builds its statements per call, and the connection proxy's lookup costs
    # more than the quoting (PostgreSQL's rule is fixed: the project has one database vendor).
    return connection.ops.quote_name(name)


@functools.cache
def written_fields(model: type[Model]) -> tuple[Field, ...]:
    """The fields an INSERT writes: every concrete field but a database-assigned primary key."""
    meta = model._meta
    return tuple(f for f in meta.concrete_fields if f is not meta.auto_field)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def db_value(f: Field, value: Any, conn) -> Any:
    """A value as Django would send it for this field; enum members as their value (a parameter)."""
    if isinstance(value, enum.Enum):
        value = value.value
    return f.get_db_prep_save(value, conn)


@dataclass(frozen=True)
class _Shape:
    """A fragment's text and, per row, the parameter name of each field written from a parameter."""

    text: str
    fields: tuple[Field, ...]
    names: tuple[tuple[str, ...], ...]
    accepts: frozenset[str]  # the attnames a row may give


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _insert_shape(model, name, rows, expressions, returning) -> _Shape:
    fields = written_fields(model)
    expressions = dict(expressions)
    chosen = tuple(f for f in fields if f.name not in expressions)
    names = tuple(tuple(f"{name}{index}__{f.attname}" for f in chosen) for index in range(rows))
    texts = []
    for row in names:
        params = iter(row)
        cells = [expressions[f.name] if f.name in expressions else f"%({next(params)})s" for f in fields]
        texts.append(f"({', '.join(cells)})")
    auto = model._meta.auto_field
    returning = returning or (quote(auto.column) if auto else "")
    text = f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join(texts)}"  # noqa: S608
    text += f" RETURNING {returning}" if returning else ""
    return _Shape(text, chosen, names, frozenset(f.attname for f in chosen))


@functools.cache
def _defaults(model: type[Model]) -> dict[str, tuple[str, Any]]:
    """Per written field, how a row that leaves it out gets its value, as Model() and save() would give it:
    ("stamp", None) for auto_now / auto_now_add, ("call", default) for a callable default, else ("value",
    the default already prepared for the database: the same for every row)."""
    conn = connections[DEFAULT_DB_ALIAS]
    kinds = {}
    for f in written_fields(model):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            kinds[f.attname] = ("stamp", None)
        elif f.has_default() and callable(f.default):
            kinds[f.attname] = ("call", f.get_default)
        else:
            kinds[f.attname] = ("value", db_value(f, f.get_default(), conn))
    return kinds


def insert(
    rows: Sequence[Mapping[str, Any]],
    *,
    model: type[Model],
    name: str,
    returning: str | None = None,
    expressions: Mapping[str, str] | None = None,
) -> Sql:
    """INSERT INTO the model's table (every written field) VALUES one row per mapping [RETURNING …].

    A row maps attnames (`product_id`, not `product`) to values; a field it leaves out takes its default,
    and `auto_now` / `auto_now_add` fields the time of the call, as Model() and save() do. `expressions`
    replaces a field's value by SQL (e.g. an id from another CTE). RETURNING defaults to the
    database-assigned primary key, if the model has one."""
    shape = _insert_shape(model, name, len(rows), tuple((expressions or {}).items()), returning)
    conn = connections[DEFAULT_DB_ALIAS]  # once: each access through the `connection` proxy is a lookup
    defaults, stamps, params = _defaults(model), [], {}
    for names, row in zip(shape.names, rows, strict=True):
        unknown = row.keys() - shape.accepts
        if unknown:
            raise ValueError(f"{model.__name__} has no field written from a parameter named {sorted(unknown)}")
        for param, f in zip(names, shape.fields, strict=True):
            kind, default = defaults[f.attname]
            if kind == "stamp":
                stamps.append((param, f))
            elif f.attname in row:
                params[param] = db_value(f, row[f.attname], conn)
            else:
                params[param] = db_value(f, default(), conn) if kind == "call" else default
    now = timezone.now()  # after the defaults, as save() stamps after Model() set them (relay_after <= created_at)
    for param, f in stamps:
        params[param] = db_value(f, now if isinstance(f, DateTimeField) else now.date(), conn)
    return Sql(shape.text, params)


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _ctes_text(parts: tuple[tuple[str, str], ...], final: str) -> str:
    return f"WITH {', '.join(f'{cte} AS ({text})' for cte, text in parts)} {final}"


def with_ctes(ctes: Mapping[str, Sql], final: str) -> Sql:
    """One statement: WITH name AS (fragment), … final. Parameter names must not collide."""
    merged: dict[str, Any] = {}
    for fragment in ctes.values():
        clash = merged.keys() & fragment.params.keys()
        if clash:
            raise ValueError(f"parameter names used twice in one statement: {sorted(clash)}")
        merged |= fragment.params
    return Sql(_ctes_text(tuple((cte, fragment.text) for cte, fragment in ctes.items()), final), merged)


def run(statement: Sql) -> list[tuple]:
    """Execute one statement (one round trip); its rows, or [] when it returns none."""
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall() if cursor.description else []
