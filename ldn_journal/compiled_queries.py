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


class CompiledQuery:
    """``build(*placeholders)`` returns the queryset; ``placeholders`` are values no real
    call passes (each must reach the SQL as a parameter of its own). ``values`` runs a
    ``values_list`` queryset and returns its rows as tuples; ``instances`` runs a model
    queryset and returns its model instances (read as ``Model.objects.raw`` reads them:
    the same fields, deferred where the queryset used ``only``).
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
            compiled = self._compiled[using] = (queryset.model, sql, tuple(slots), converters)
        return compiled

    def _params(self, slots, values: Sequence[Any]) -> tuple:
        if len(values) != len(self._placeholders):
            raise TypeError(f"Expected {len(self._placeholders)} values, got {len(values)}.")
        return tuple(values[i] if i is not None else constant for i, constant in slots)

    def values(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        compiled = self._compile(using)
        if compiled is None:
            return list(self._build(*values).using(using))
        _model, sql, slots, converters = compiled
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(slots, values))
            rows = cursor.fetchall()
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
        model, sql, slots, _converters = compiled
        return list(model._default_manager.db_manager(using).raw(sql, self._params(slots, values)))
