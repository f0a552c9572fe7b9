"""A few fixed, hot queries compiled to SQL once per process instead of on every request.

The ORM compiles a queryset to SQL each time it runs; for the queries every patient page
sends, compiling cost more than PostgreSQL took to answer (issue 19). A CompiledQuery builds
its queryset once with placeholder values, keeps the SQL the ORM wrote for it, and sends that
SQL with each call's values bound as parameters: the same statement the ORM would send.

PostgreSQL only: elsewhere (the SQLite fallback of `make run`, whose driver needs values
adapted field by field) the queryset is built with the call's values and run as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators


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

    def _compile(self, using: str):
        """(model, sql, slots, converters), or None where the ORM runs the query itself."""
        if connections[using].vendor != "postgresql":
            return None
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self._build(*self._placeholders).using(using)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            slots = []
            for param in params:
                matches = [
                    i
                    for i, placeholder in enumerate(self._placeholders)
                    if type(param) is type(placeholder) and param == placeholder
                ]
                slots.append((matches[0], None) if matches else (None, param))
            missing = set(range(len(self._placeholders))) - {i for i, _v in slots}
            if missing:
                raise ValueError(f"Placeholders {sorted(missing)} did not reach the SQL.")
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(fields)
            compiled = self._compiled[using] = (
                sql,
                tuple(slots),
                converters,
                compiler.col_count if compiler.has_extra_select else None,
                _Materializer(compiler, using) if compiler.klass_info else None,
            )
        return compiled

    def _params(self, slots, values: Sequence[Any]) -> tuple:
        if len(values) != len(self._placeholders):
            raise TypeError(f"Expected {len(self._placeholders)} values, got {len(values)}.")
        return tuple(values[i] if i is not None else constant for i, constant in slots)

    def values(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using))
        return self._rows(compiled, values, using)

    def _rows(self, compiled, values, using) -> list[tuple]:
        sql, slots, converters, col_count, _materializer = compiled
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(slots, values))
            rows = cursor.fetchall()
        if col_count is not None:
            rows = [row[:col_count] for row in rows]
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def instances(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list:
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using))
        materializer = compiled[4]
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
