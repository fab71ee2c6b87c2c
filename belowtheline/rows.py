"""The few queries every request or post makes, without compiling them every time.

Building a query with the ORM costs a third to half a millisecond of Python for the
simplest lookup (`Article.objects.get(pk=…, site=…)`: filters resolved, joins trimmed,
columns quoted), against a few hundredths of a millisecond in the database: on a post that
was most of the time spent on SQL. The queries here are written once as SQL, from the
model's own table and column names, and reused:

- a row comes back as the instance `.get()` would give: each value passed through the
  converters Django's own compiler picks for that column (datetimes, booleans, JSON),
  then `Model.from_db`, as a queryset does;
- a new row is inserted with the values `save()` would write (each field's `pre_save`
  and `get_db_prep_save`), and the instance gets its id, as after `save()`; a model with
  its own `save()`, `pre_save` or `post_save` receivers, a parent model or columns the
  database fills in is saved by the ORM instead, so nothing of the ORM's is ever skipped;
- a write goes through a cursor and says how many rows it changed.

Only for lookups by key on one table, on the hot path; everything else stays in the ORM.
One database per process (the default), hence one SQL text per query.
"""

import hashlib
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connection, connections, models
from django.db.models import signals
from django.db.models.sql import Query

M = TypeVar("M", bound=models.Model)

# Per connection (each thread has its own), per model: the compiler's converters by column.
_converters: "weakref.WeakKeyDictionary[Any, dict[type[models.Model], Any]]" = (
    weakref.WeakKeyDictionary()
)


@lru_cache(maxsize=64)
def _select(model: type[models.Model], where: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}"


def _row_converters(model: type[models.Model]) -> tuple[Any, list[tuple[int, Any]]]:
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's, not the proxy
    by_model = _converters.setdefault(wrapper, {})
    if model not in by_model:
        compiler = Query(model).get_compiler(connection=wrapper)
        table = model._meta.db_table
        columns = [field.get_col(table) for field in model._meta.concrete_fields]
        by_model[model] = (compiler, list(compiler.get_converters(columns).items()))
    return by_model[model]


@lru_cache(maxsize=64)
def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def from_row(model: type[M], row: Sequence[Any]) -> M:
    """The instance for the model's columns as `columns` lists them, read by a query of
    our own: through the converters Django's compiler picks, then `Model.from_db`."""
    compiler, converters = _row_converters(model)
    if converters:
        (row,) = compiler.apply_converters([row], dict(converters))
    return model.from_db(DEFAULT_DB_ALIAS, _attnames(model), row)


@lru_cache(maxsize=64)
def columns(model: type[models.Model], alias: str) -> str:
    """`alias.column, …` for the model's concrete fields, in the order `from_row` reads
    them: for a query that reads several tables' rows in one round trip."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    """How many columns `columns` gives."""
    return len(_attnames(model))


def one(model: type[M], where: str, params: Sequence[object]) -> M | None:
    """The model's row matching `where` (SQL over its columns, `%s` for each parameter),
    or None; `where` must match one row at most (a key)."""
    with connection.cursor() as cursor:
        cursor.execute(_select(model, where), params)
        row = cursor.fetchone()
    if row is None:
        return None
    return from_row(model, row)


@lru_cache(maxsize=16)
def _insert(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...]]:
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    if model.save is not models.Model.save or model._meta.parents or any(
        f.generated or f.has_db_default() for f in model._meta.concrete_fields
    ):
        return "", ()  # what the database fills in is the ORM's to read back
    pk = quote(model._meta.pk.column)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {pk}"
    )
    return sql, fields


def insert(instance: M) -> M:
    """Insert a new instance (its id set by the database), as `instance.save()` would."""
    model = type(instance)
    sql, fields = _insert(model)
    if (
        instance.pk is not None
        or not sql
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        instance.save(force_insert=True)
        return instance
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        (pk,) = cursor.fetchone()
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


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


# The statements prepared on each PostgreSQL session (a psycopg connection) by `fetch`.
_prepared_on: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()
NO_SUCH_STATEMENT = "26000"  # invalid_sql_statement_name: the session does not have it
ALREADY_PREPARED = "42P05"  # duplicate_prepared_statement


def _sqlstate(error: Exception) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


def may_prepare() -> bool:
    """Whether `fetch` runs its query as a prepared statement: on PostgreSQL, through
    Django's own connection pool (each pooled connection is a server session of ours, kept
    for its life; behind an external pooler such as PgBouncer in transaction mode, with
    BTL_DB_POOL_SIZE=0, a session is not ours to keep statements in), and outside a
    transaction, where a statement the session lost can be prepared again and retried."""
    return (
        connection.vendor == "postgresql"
        and getattr(connection, "pool", None) is not None
        and not connection.in_atomic_block
    )


@lru_cache(maxsize=64)
def _statement(sql: str) -> tuple[str, str, int]:
    """The name, PREPARE text and parameter count for one of our SQL texts."""
    name = "btl_" + hashlib.sha256(sql.encode()).hexdigest()[:16]
    count = sql.count("%s")
    numbered = sql
    for n in range(1, count + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    return name, f"PREPARE {name} AS {numbered}", count


def fetch(
    sql: str, params: Sequence[object], *, prepare: bool | None = None
) -> list[tuple[Any, ...]]:
    """The rows of one of our reads (SQL with `%s` parameters, no literal `%`).

    Where `may_prepare` says so, as a prepared statement: PostgreSQL plans a query again
    on every execution otherwise, and for the per-reader request's two queries (a union of
    five parts, joins in each) planning took 0.7 ms of the database server's CPU against
    0.15 ms of executing them, on the same cores as the web workers. Prepared once per
    session, later executions reuse the plan. Both ways go through Django's cursor, so
    they are logged and counted as any query is (the PREPARE too, once per session).
    `prepare`: as `may_prepare` says unless given (True only on PostgreSQL, outside a
    transaction).
    """
    if not (may_prepare() if prepare is None else prepare):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    name, prepare, count = _statement(sql)
    if count != len(params):
        raise ValueError(f"{count} parameters in the SQL, {len(params)} given")
    execute = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    with connection.cursor() as cursor:
        session = connection.connection
        for attempt in (1, 2):
            prepared = _prepared_on.setdefault(session, set())
            if name not in prepared:
                try:
                    cursor.execute(prepare)
                except ProgrammingError as error:
                    if _sqlstate(error) != ALREADY_PREPARED:
                        raise
                prepared.add(name)
            try:
                cursor.execute(execute, params)
            except ProgrammingError as error:
                if attempt == 2 or _sqlstate(error) != NO_SUCH_STATEMENT:
                    raise
                prepared.discard(name)  # e.g. DISCARD ALL on the session: prepare again
                continue
            return cursor.fetchall()
    raise AssertionError("unreachable")
