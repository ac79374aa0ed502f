"""Tests of hand-written statements: which columns of a model's table a captured statement writes.

A plain-SQL INSERT that leaves out a column gets the database's default, not the model's Python-side
default; an UPDATE that forgets an `auto_now` column leaves it stale. `assert_writes_model_columns`
fails then, naming the columns, so a new field cannot be skipped silently.

Django checks no hand-written statement against its model; this module parses the captured SQL's column
lists with a few regular expressions.
"""

from __future__ import annotations

import re

from django.db.models import Model
from django.test.utils import CaptureQueriesContext

_NAME = r'"?(\w+)"?'


def _columns(listing: str) -> list[str]:
    return [name.strip().strip('"') for name in listing.split(",")]


def written_columns(sql: str, model: type[Model]) -> list[tuple[str, list[str]]]:
    """(INSERT|UPDATE, columns) of every write to the model's table in one statement (CTEs included)."""
    table = re.escape(model._meta.db_table)
    found = [("INSERT", _columns(m.group(1))) for m in re.finditer(rf'INSERT INTO "?{table}"? \(([^)]*)\)', sql)]
    update = rf'UPDATE "?{table}"?(?: (?:AS )?\w+)? SET (.*?)(?: FROM | WHERE | RETURNING |\)|$)'  # noqa: S608 (a pattern)
    for m in re.finditer(update, sql, re.S):
        found.append(("UPDATE", re.findall(rf"(?:^|, ){_NAME} = ", m.group(1))))
    return found


def assert_writes_model_columns(captured: CaptureQueriesContext, model: type[Model], *, inserts: int, updates: int):
    """Every INSERT into the model's table in `captured` lists each concrete column but a database-assigned
    id; every UPDATE sets its `auto_now` columns. `inserts`/`updates`: how many statements must write it."""
    meta = model._meta
    expected = {f.column for f in meta.concrete_fields if f is not meta.auto_field}
    stamped = {f.column for f in meta.concrete_fields if getattr(f, "auto_now", False)}
    writes = [write for query in captured.captured_queries for write in written_columns(query["sql"], model)]
    assert [verb for verb, _ in writes].count("INSERT") == inserts, writes
    assert [verb for verb, _ in writes].count("UPDATE") == updates, writes
    for verb, written in writes:
        missing = (expected if verb == "INSERT" else stamped) - set(written)
        assert not missing, f"{verb} of {meta.db_table} leaves out {sorted(missing)}"
