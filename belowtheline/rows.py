"""The few queries every request or post makes, without compiling them every time.

Building a query with the ORM costs a third to half a millisecond of Python for the
simplest lookup (`Article.objects.get(pk=…, site=…)`: filters resolved, joins trimmed,
columns quoted), against a few hundredths of a millisecond in the database: on a post that
was most of the time spent on SQL. The queries here are written once as SQL, from the
model's own table and column names, and reused:

- a row comes back through `Model.objects.raw()`, which maps the columns onto the fields
  and converts each value (datetimes, booleans, JSON) exactly as a queryset would, so the
  instance is the same as `.get()` returns;
- a write goes through a cursor and says how many rows it changed.

Only for lookups by key on one table, on the hot path; everything else stays in the ORM.
One database per process (the default), hence one SQL text per query.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@lru_cache(maxsize=64)
def _select(model: type[models.Model], where: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}"


def one(model: type[M], where: str, params: Sequence[object]) -> M | None:
    """The model's row matching `where` (SQL over its columns, `%s` for each parameter),
    or None; `where` must match one row at most (a key)."""
    rows = list(model.objects.raw(_select(model, where), params))
    return rows[0] if rows else None


def execute(sql: str, params: Sequence[object]) -> int:
    """Run one write; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=64)
def _exists(model: type[models.Model], where: str) -> str:
    return f"SELECT 1 FROM {table(model)} WHERE {where} LIMIT 1"


def exists(model: type[models.Model], where: str, params: Sequence[object]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_exists(model, where), params)
        return cursor.fetchone() is not None
