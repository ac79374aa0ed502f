"""Hand-tuned writes built from a model's own fields: the one way to write a plain-SQL INSERT or UPDATE.

The saga's hot paths put several writes into one statement (CTEs) to save round trips
(docs/benchmarks.md). Written by hand, such a statement drifts from its model: a new field with a
Python-side default is silently left out, enum members turn into SQL literals, and positional
parameters get reshuffled. Here every INSERT lists every concrete column with the value Django would
save (defaults, `auto_now_add`), every UPDATE sets `auto_now` columns too, values are named
parameters (psycopg's `%(name)s`, prefixed with the fragment's name so fragments combine), and rows
read back become model instances through `Model.from_db`, as the ORM builds them.

    placed = model_sql.insert([order], name="placed")
    logged = model_sql.insert([change], name="logged")
    rows = model_sql.run(model_sql.with_ctes({"placed": placed, "logged": logged}, "SELECT id FROM logged"))
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone


@dataclass(frozen=True)
class Sql:
    """A statement or a fragment of one, with its named parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


@functools.cache
def quote(name: str) -> str:
    # Cached: the hot paths build their statements per call, and the connection proxy's lookup costs
    # more than the quoting (PostgreSQL's rule is fixed: the project has one database vendor).
    return connection.ops.quote_name(name)


@functools.cache
def written_fields(model: type[Model]) -> tuple[Field, ...]:
    """The fields an INSERT writes: every concrete field but a database-assigned primary key."""
    meta = model._meta
    return tuple(f for f in meta.concrete_fields if f is not meta.auto_field)


@functools.cache
def columns(model: type[Model], alias: str | None = None) -> str:
    """Every concrete column, in field order: what RETURNING and `instances()` expect."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


@functools.cache
def _written_columns(model: type[Model]) -> str:
    return ", ".join(quote(f.column) for f in written_fields(model))


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def db_value(f: Field, value: Any, conn=None) -> Any:
    """A value as Django would send it for this field; enum members as their value (a parameter)."""
    if isinstance(value, enum.Enum):
        value = value.value
    return f.get_db_prep_save(value, conn or connections[DEFAULT_DB_ALIAS])


def _row(obj: Model, name: str, fields: Sequence[Field], expressions: Mapping[str, str], cast: bool) -> tuple:
    conn = connections[DEFAULT_DB_ALIAS]  # once per row: each access through the `connection` proxy is a lookup
    placeholders, params = [], {}
    for f in fields:
        if f.name in expressions:
            placeholders.append(expressions[f.name])
            continue
        param = f"{name}__{f.attname}"
        params[param] = db_value(f, f.pre_save(obj, True), conn)  # applies auto_now_add / auto_now as save() does
        placeholders.append(f"%({param})s::{f.cast_db_type(conn)}" if cast else f"%({param})s")
    return f"({', '.join(placeholders)})", params


def insert(
    objs: Sequence[Model],
    *,
    name: str,
    returning: str | None = None,
    expressions: Mapping[str, str] | None = None,
    source: str | None = None,
    params: Mapping[str, Any] | None = None,
    on_conflict: str | None = None,
) -> Sql:
    """INSERT INTO the model's table (every written field) VALUES one row per instance [RETURNING …].

    `expressions` replaces a field's value by SQL (e.g. an id from another CTE), `params` are its
    own parameters. With `source` (one instance) the row is `SELECT … FROM source`: written once per
    row of source, so not at all when an earlier CTE (a guarded UPDATE) wrote nothing. RETURNING
    defaults to the database-assigned primary key, if the model has one. `on_conflict`: what follows
    ON CONFLICT (e.g. `("group", event_id) DO NOTHING`)."""
    model = type(objs[0])
    fields = written_fields(model)
    rows, merged = [], dict(params or {})
    for index, obj in enumerate(objs):
        row, values = _row(obj, f"{name}{index}" if len(objs) > 1 else name, fields, expressions or {}, False)
        rows.append(row)
        merged |= values
    if source is not None and len(rows) != 1:
        raise ValueError("an INSERT … SELECT FROM source writes one instance per source row")
    body = f"SELECT {rows[0][1:-1]} FROM {source}" if source is not None else f"VALUES {', '.join(rows)}"  # noqa: S608
    auto = model._meta.auto_field
    returning = returning or (quote(auto.column) if auto else "")
    text = f"INSERT INTO {table(model)} ({_written_columns(model)}) {body}"
    text += f" ON CONFLICT {on_conflict}" if on_conflict else ""
    return Sql(text + (f" RETURNING {returning}" if returning else ""), merged)


def values_table(objs: Sequence[Model], *, name: str, fields: Sequence[str]) -> Sql:
    """`(VALUES (…), …) AS name(columns)` of these instances' fields, typed as the columns are: rows a
    statement joins against (e.g. an UPDATE … FROM)."""
    model = type(objs[0])
    chosen = [model._meta.get_field(f) for f in fields]
    rows, params = [], {}
    for index, obj in enumerate(objs):
        row, values = _row(obj, f"{name}{index}", chosen, {}, True)
        rows.append(row)
        params |= values
    names = ", ".join(quote(f.column) for f in chosen)
    return Sql(f"(VALUES {', '.join(rows)}) AS {name}({names})", params)


def update(
    model: type[Model],
    *,
    name: str,
    values: Mapping[str, Any],
    where: str,
    params: Mapping[str, Any] | None = None,
    returning: str | None = None,
) -> Sql:
    """UPDATE the model's table SET these fields (and every `auto_now` field, as save() does) WHERE …
    [RETURNING …]. `where` is SQL, `params` its parameters."""
    sets, params = [], dict(params or {})
    now = timezone.now()
    stamped = {
        f.name: now if isinstance(f, DateTimeField) else now.date()
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False)
    }
    for field_name, value in {**stamped, **values}.items():
        f = model._meta.get_field(field_name)
        param = f"{name}__{f.attname}"
        params[param] = db_value(f, value)
        sets.append(f"{quote(f.column)} = %({param})s")
    text = f"UPDATE {table(model)} SET {', '.join(sets)} WHERE {where}"  # noqa: S608 (names from the model)
    return Sql(text + (f" RETURNING {returning}" if returning else ""), params)


def with_ctes(ctes: Mapping[str, Sql], final: str, params: Mapping[str, Any] | None = None) -> Sql:
    """One statement: WITH name AS (fragment), … final. Parameter names must not collide."""
    merged: dict[str, Any] = dict(params or {})
    for fragment in ctes.values():
        clash = merged.keys() & fragment.params.keys()
        if clash:
            raise ValueError(f"parameter names used twice in one statement: {sorted(clash)}")
        merged |= fragment.params
    parts = ", ".join(f"{cte} AS ({fragment.text})" for cte, fragment in ctes.items())
    return Sql(f"WITH {parts} {final}", merged)


def run(statement: Sql) -> list[tuple]:
    """Execute one statement (one round trip); its rows, or [] when it returns none."""
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall() if cursor.description else []


def instances(model: type[Model], rows: Iterable[Sequence[Any]]) -> list[Model]:
    """Model instances from rows of `columns(model)`, as the ORM loads them (Model.from_db)."""
    meta = model._meta
    names = [f.attname for f in meta.concrete_fields]
    converters = [(i, f.get_db_converters(connection)) for i, f in enumerate(meta.concrete_fields)]
    loaded = []
    for row in rows:
        values = list(row[: len(names)])
        for i, funcs in converters:
            for convert in funcs:
                values[i] = convert(values[i], None, connection)
        loaded.append(model.from_db(connection.alias, names, values))
    return loaded


def saved(obj: Model, **assigned: Any) -> Model:
    """The instance as the ORM would return it after saving it, with the values the database assigned
    (e.g. id=...): built through Model.from_db, like a loaded row."""
    names = [f.attname for f in obj._meta.concrete_fields]
    values = [assigned.get(name, getattr(obj, name)) for name in names]
    return type(obj).from_db(connection.alias, names, values)
