"""Hand-tuned writes built from a model's own fields: the one way to write a plain-SQL INSERT or UPDATE.

The saga's hot paths put several writes into one statement (CTEs) to save round trips
(docs/benchmarks.md). Written by hand, such a statement drifts from its model: a new field with a
Python-side default is silently left out, enum members turn into SQL literals, and positional
parameters get reshuffled. Here every INSERT lists every concrete column with the value Django would
save (defaults, `auto_now_add`), every UPDATE sets `auto_now` columns too, values are named
parameters (psycopg's `%(name)s`, prefixed with the fragment's name so fragments combine), and rows
read back become model instances through `Model.from_db`, as the ORM builds them.

    placed = model_sql.insert([order], name="placed")
    logged = model_sql.insert([{"order_id": pk, "status": status}], model=OrderStatusChange, name="logged")
    rows = model_sql.run(model_sql.with_ctes({"placed": placed, "logged": logged}, "SELECT id FROM logged"))

A statement's text depends only on its shape (model, fragment name, row count, expressions, …), so it
is built once per shape and cached, and hot paths pass rows as values, not instances: a call computes
only its parameters (ReserveStock in process: 1,456 → 1,169 Python calls per reservation, 660 before
model_sql; docs/benchmarks.md).
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

# Statement texts are cached per shape: ReserveStock rebuilt the same text on every call (with the rows
# as values: 1,456 → 1,169 Python calls per reservation). Shapes are few (a fragment name per call site,
# one per row count); the bound only guards memory.
SHAPES_CACHED = 1024


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
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


@functools.cache
def _stamped(model: type[Model]) -> tuple[Field, ...]:
    return tuple(f for f in model._meta.concrete_fields if getattr(f, "auto_now", False))


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def db_value(f: Field, value: Any, conn=None) -> Any:
    """A value as Django would send it for this field; enum members as their value (a parameter)."""
    if isinstance(value, enum.Enum):
        value = value.value
    return f.get_db_prep_save(value, conn or connections[DEFAULT_DB_ALIAS])


def _stamp(f: Field, now):
    """The value pre_save() gives an `auto_now` / `auto_now_add` field."""
    return now if isinstance(f, DateTimeField) else now.date()


@dataclass(frozen=True)
class _Shape:
    """A fragment's text and, per row, the parameter name of each field written from a parameter."""

    text: str
    fields: tuple[Field, ...]
    names: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...] = ()  # update(): the `values` key of each field ("" for an auto_now stamp)
    accepts: frozenset[str] = frozenset()  # insert(model=…): the attnames a row may give


def _rows_text(prefixes: Sequence[str], fields: Sequence[Field], expressions: Mapping[str, str], cast: bool):
    """(the fields written from parameters, their names per row, the text of each row)."""
    conn = connections[DEFAULT_DB_ALIAS]
    chosen = tuple(f for f in fields if f.name not in expressions)
    names = tuple(tuple(f"{prefix}__{f.attname}" for f in chosen) for prefix in prefixes)
    texts = []
    for row in names:
        params, cells = iter(row), []
        for f in fields:
            if f.name in expressions:
                cells.append(expressions[f.name])
            else:
                cells.append(f"%({next(params)})s::{f.cast_db_type(conn)}" if cast else f"%({next(params)})s")
        texts.append(f"({', '.join(cells)})")
    return chosen, names, texts


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _insert_shape(model, name, rows, expressions, source, returning, on_conflict) -> _Shape:
    if source is not None and rows != 1:
        raise ValueError("an INSERT … SELECT FROM source writes one instance per source row")
    fields = written_fields(model)
    prefixes = [name] if rows == 1 else [f"{name}{index}" for index in range(rows)]
    chosen, names, texts = _rows_text(prefixes, fields, dict(expressions), cast=False)
    body = f"SELECT {texts[0][1:-1]} FROM {source}" if source is not None else f"VALUES {', '.join(texts)}"  # noqa: S608
    auto = model._meta.auto_field
    returning = returning or (quote(auto.column) if auto else "")
    text = f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) {body}"
    text += f" ON CONFLICT {on_conflict}" if on_conflict else ""
    text += f" RETURNING {returning}" if returning else ""
    return _Shape(text, chosen, names, accepts=frozenset(f.attname for f in chosen))


def insert(
    rows: Sequence[Model] | Sequence[Mapping[str, Any]],
    *,
    name: str,
    model: type[Model] | None = None,
    returning: str | None = None,
    expressions: Mapping[str, str] | None = None,
    source: str | None = None,
    params: Mapping[str, Any] | None = None,
    on_conflict: str | None = None,
) -> Sql:
    """INSERT INTO the model's table (every written field) VALUES one row per instance [RETURNING …].

    `rows` are model instances, or, with `model`, mappings of attnames (`product_id`, not `product`) to
    values: the same statement without building instances (hot paths), a field a row leaves out taking
    its default and `auto_now` / `auto_now_add` fields the time of the call, as Model() and save() do.
    `expressions` replaces a field's value by SQL (e.g. an id from another CTE), `params` are its
    own parameters. With `source` (one row) the row is `SELECT … FROM source`: written once per
    row of source, so not at all when an earlier CTE (a guarded UPDATE) wrote nothing. RETURNING
    defaults to the database-assigned primary key, if the model has one. `on_conflict`: what follows
    ON CONFLICT (e.g. `("group", event_id) DO NOTHING`)."""
    expressions = tuple((expressions or {}).items())
    shape = _insert_shape(model or type(rows[0]), name, len(rows), expressions, source, returning, on_conflict)
    merged = dict(params or {})
    if model is None:
        _instance_params(shape, rows, merged)
    else:
        _values_params(model, shape, rows, merged)
    return Sql(shape.text, merged)


def _instance_params(shape: _Shape, objs: Sequence[Model], merged: dict) -> None:
    conn = connections[DEFAULT_DB_ALIAS]  # once: each access through the `connection` proxy is a lookup
    for names, obj in zip(shape.names, objs, strict=True):
        for param, f in zip(names, shape.fields, strict=True):
            merged[param] = db_value(f, f.pre_save(obj, True), conn)  # applies auto_now_add / auto_now as save() does


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


def _values_params(model: type[Model], shape: _Shape, rows: Sequence[Mapping[str, Any]], merged: dict) -> None:
    conn = connections[DEFAULT_DB_ALIAS]
    defaults, stamps = _defaults(model), []
    for names, row in zip(shape.names, rows, strict=True):
        unknown = row.keys() - shape.accepts
        if unknown:
            raise ValueError(f"{model.__name__} has no field written from a parameter named {sorted(unknown)}")
        for param, f in zip(names, shape.fields, strict=True):
            kind, default = defaults[f.attname]
            if kind == "stamp":
                stamps.append((param, f))
            elif f.attname in row:
                merged[param] = db_value(f, row[f.attname], conn)
            else:
                merged[param] = db_value(f, default(), conn) if kind == "call" else default
    now = timezone.now()  # after the defaults, as save() stamps after Model() set them (relay_after <= created_at)
    for param, f in stamps:
        merged[param] = db_value(f, _stamp(f, now), conn)


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _values_shape(model: type[Model], name: str, fields: tuple[str, ...], rows: int) -> _Shape:
    chosen = [model._meta.get_field(f) for f in fields]
    _, names, texts = _rows_text([f"{name}{index}" for index in range(rows)], chosen, {}, cast=True)
    columns = ", ".join(quote(f.column) for f in chosen)
    return _Shape(f"(VALUES {', '.join(texts)}) AS {name}({columns})", tuple(chosen), names)


def values_table(objs: Sequence[Model], *, name: str, fields: Sequence[str]) -> Sql:
    """`(VALUES (…), …) AS name(columns)` of these instances' fields, typed as the columns are: rows a
    statement joins against (e.g. an UPDATE … FROM)."""
    shape = _values_shape(type(objs[0]), name, tuple(fields), len(objs))
    conn = connections[DEFAULT_DB_ALIAS]
    params = {}
    for names, obj in zip(shape.names, objs, strict=True):
        for param, f in zip(names, shape.fields, strict=True):
            params[param] = db_value(f, f.pre_save(obj, True), conn)
    return Sql(shape.text, params)


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _update_shape(model: type[Model], name: str, assigned: tuple[str, ...], where: str, returning: str | None):
    # As save() does: every auto_now field is stamped, unless `values` sets it.
    fields = {f.name: "" for f in _stamped(model)}
    for key in assigned:
        fields[model._meta.get_field(key).name] = key
    chosen = tuple(model._meta.get_field(n) for n in fields)
    names = tuple(f"{name}__{f.attname}" for f in chosen)
    sets = ", ".join(f"{quote(f.column)} = %({param})s" for f, param in zip(chosen, names, strict=True))
    text = f"UPDATE {table(model)} SET {sets} WHERE {where}"  # noqa: S608 (names from the model)
    text += f" RETURNING {returning}" if returning else ""
    return _Shape(text, chosen, (names,), keys=tuple(fields.values()))


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
    shape = _update_shape(model, name, tuple(values), where, returning)
    conn = connections[DEFAULT_DB_ALIAS]
    now = timezone.now()
    merged = dict(params or {})
    for param, f, key in zip(shape.names[0], shape.fields, shape.keys, strict=True):
        merged[param] = db_value(f, values[key] if key else _stamp(f, now), conn)
    return Sql(shape.text, merged)


@functools.lru_cache(maxsize=SHAPES_CACHED)
def _ctes_text(parts: tuple[tuple[str, str], ...], final: str) -> str:
    return f"WITH {', '.join(f'{cte} AS ({text})' for cte, text in parts)} {final}"


def with_ctes(ctes: Mapping[str, Sql], final: str, params: Mapping[str, Any] | None = None) -> Sql:
    """One statement: WITH name AS (fragment), … final. Parameter names must not collide."""
    merged: dict[str, Any] = dict(params or {})
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


def instances(model: type[Model], rows: Iterable[Sequence[Any]]) -> list[Model]:
    """Model instances from rows of `columns(model)`, as the ORM loads them (Model.from_db)."""
    meta = model._meta
    names = _attnames(model)
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
    names = _attnames(type(obj))
    values = [assigned.get(name, getattr(obj, name)) for name in names]
    return type(obj).from_db(connection.alias, names, values)
