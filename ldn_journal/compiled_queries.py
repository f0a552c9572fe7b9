"""A few fixed, hot queries compiled to SQL once per process instead of on every request.

The ORM compiles a queryset to SQL each time it runs; for the queries every patient page
sends, compiling cost more than PostgreSQL took to answer (issue 19). A CompiledQuery builds
its queryset once with placeholder values, keeps the SQL the ORM wrote for it, and sends that
SQL with each call's values bound as parameters: the same statement the ORM would send.

PostgreSQL only: elsewhere (the SQLite fallback of `make run`, whose driver needs values
adapted field by field) the queryset is built with the call's values and run as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import AutoField, BigAutoField, Lookup, QuerySet
from django.db.models.query import get_related_populators

from ldn_journal import sql_once

# How to compile each compiled query (this module's and patients.compiled's) for a database
# alias: a gunicorn master compiles them all before forking (`compile_all`), so a new worker
# sends them at once instead of compiling each on its first request.
_COMPILERS: list[Callable[[str], object]] = []


def register(compile_for_alias: Callable[[str], object]) -> None:
    _COMPILERS.append(compile_for_alias)


def compile_all(using: str = DEFAULT_DB_ALIAS) -> int:
    """Compile every compiled query of the modules imported so far; returns how many."""
    if connections[using].vendor != "postgresql":
        return 0
    for compile_for_alias in _COMPILERS:
        compile_for_alias(using)
    return len(_COMPILERS)


class CompiledQuery:
    """``build(*placeholders)`` returns the queryset; ``placeholders`` are values no real
    call passes (each must reach the SQL as a parameter of its own). ``values`` runs a
    ``values_list`` queryset and returns its rows as tuples; ``instances`` runs a model
    queryset and returns its model instances as the ORM builds them (the same fields,
    deferred where the queryset used ``only``, select_related objects, annotations).
    """

    def __init__(self, build: Callable[..., QuerySet], *placeholders: Any):
        self._build = build
        self._placeholders = placeholders
        self._compiled: dict[str, tuple] = {}
        register(self._compile)

    def _compile(self, using: str):
        """(frozen SQL, converters, extra columns cut, materializer), or None where the ORM
        runs the query itself. The SQL is frozen by ldn_journal.sql_once (the one way SQL
        is compiled once per process): compiled for the placeholders and for a second set
        that differs in every value, refused unless each parameter is a placeholder's value
        or a constant."""
        if connections[using].vendor != "postgresql":
            return None
        compiled = self._compiled.get(using)
        if compiled is None:
            firsts = dict(enumerate(self._placeholders))
            seconds = {i: _another(value) for i, value in firsts.items()}
            compilers = {}

            def compile_for(values):
                queryset = self._build(*(values[i] for i in range(len(values)))).using(using)
                compiler = compilers[id(values)] = queryset.query.get_compiler(using=using)
                if not queryset.query.select_for_update:
                    return compiler.as_sql()
                # The ORM writes FOR UPDATE only inside a transaction (it refuses in
                # autocommit, as when a gunicorn master compiles before forking): the SQL
                # is sent inside one, by the code that locks. No savepoint: compiling sends
                # nothing, so a first use inside a request's transaction adds no statement.
                with transaction.atomic(using=using, savepoint=False):
                    return compiler.as_sql()

            frozen = sql_once.freeze(using, compile_for, firsts, seconds)
            reached = {name for name, _form in frozen.params if name != sql_once.CONSTANT}
            if missing := set(firsts) - reached:
                raise ValueError(f"Placeholders {sorted(missing)} did not reach the SQL.")
            compiler = compilers[id(firsts)]
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            compiled = self._compiled[using] = (
                frozen,
                compiler.get_converters(fields),
                compiler.col_count if compiler.has_extra_select else None,
                _Materializer(compiler, using) if compiler.klass_info else None,
            )
        return compiled

    def values(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using))
        return self._rows(compiled, values, using)

    def values_slice(
        self, *values: Any, start: int, stop: int, using: str = DEFAULT_DB_ALIAS
    ) -> list[tuple]:
        """``values`` of ``queryset[start:stop]``: LIMIT and OFFSET written into the SQL as
        numbers, as the ORM writes a slice (so each page has the plan the ORM's would)."""
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop:
            raise ValueError(f"Not a slice to read: [{start}:{stop}].")
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using)[start:stop])
        suffix = f" LIMIT {stop - start}" + (f" OFFSET {start}" if start else "")
        return self._rows(compiled, values, using, suffix)

    def _rows(self, compiled, values, using, suffix="") -> list[tuple]:
        frozen, converters, col_count, _materializer = compiled
        if len(values) != len(self._placeholders):
            raise TypeError(f"Expected {len(self._placeholders)} values, got {len(values)}.")
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(
                frozen.sql + suffix, sql_once.bind(using, frozen, dict(enumerate(values)))
            )
            rows = cursor.fetchall()
        if col_count is not None:
            rows = [row[:col_count] for row in rows]
        return sql_once.converted(connection, rows, converters)

    def instances(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list:
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using))
        materializer = compiled[3]
        return [materializer.instance(row) for row in self._rows(compiled, values, using)]


class _Materializer:
    """Model instances from a compiled query's rows, as the ORM's ModelIterable makes them:
    the model's selected fields (deferred ones left out), select_related objects, and
    annotations. Built once per compiled query from the compiler that wrote its SQL."""

    def __init__(self, compiler, using):
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, using)
        self.annotations = tuple((compiler.annotation_col_map or {}).items())
        self.using = using

    def instance(self, row):
        obj = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
        for populator in self.related:
            populator.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        return obj


def _another(value):
    """A second placeholder of the same type that differs from ``value``."""
    if isinstance(value, list | tuple):
        return type(value)(_another(item) for item in value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1
    if isinstance(value, datetime):
        return value - timedelta(seconds=1)
    if isinstance(value, date):
        return value - timedelta(days=1)
    if isinstance(value, str):
        return value + "~"
    raise TypeError(f"No second placeholder for a {type(value).__name__}.")


class AnyOf(Lookup):
    """``pk__any_of=[1, 2, 3]``: ``id = ANY(%s)`` with the list as one parameter (PostgreSQL),
    so a query over a page of ids has the same SQL for any number of them and can be
    compiled once; ``pk__in`` writes one placeholder per id."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            raise NotImplementedError("any_of is PostgreSQL's; use __in elsewhere")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


AutoField.register_lookup(AnyOf)
BigAutoField.register_lookup(AnyOf)


def ids_filter(using: str, ids: list[int]) -> dict:
    """The filter keyword for "pk is one of ``ids``": ``any_of`` on PostgreSQL, ``in``
    elsewhere."""
    if connections[using].vendor == "postgresql":
        return {"pk__any_of": list(ids)}
    return {"pk__in": list(ids)}
