"""SQL compiled once per process from its ORM spelling, bound to each call's values.

Django compiles a queryset's SQL afresh on every evaluation; for a filter that every page
builds (the access gate's subqueries, compiled two to four times per clinician page) that
cost more than running it. ``freeze`` compiles the ORM spelling, which stays the one
truth, once per process and database, and ``bind`` gives the SQL with a call's values as
parameters: the same text and the same parameters the ORM would have sent.

Freezing compiles the spelling for two sets of values that differ in every value, and
refuses (raises) if the text differs between them, or if a parameter is neither one of the
named values (as given or as the database adapts it) nor a constant, the same in both: SQL
whose shape depends on the values, or a value derived in a way the caller does not name,
can never be frozen by mistake. A constant stays what it was when frozen, for the life of
the process: a value read from settings must be passed as a named value, never left to be
taken for a constant.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connections
from psycopg.types.json import Json, Jsonb


class NotFreezable(Exception):
    pass


@dataclass(frozen=True)
class Frozen:
    sql: str
    # Per parameter: (name of the value, form) where form is "raw", "datetime" or "date"
    # (the database backend's adaptation of a datetime or date field's value), or
    # (CONSTANT, the value) for a parameter that is the same for any values.
    params: tuple[tuple[str, object], ...]


CONSTANT = "="


def _forms(ops, value):
    yield "raw", value
    if isinstance(value, datetime):
        yield "datetime", ops.adapt_datetimefield_value(value)
    elif isinstance(value, date):
        yield "date", ops.adapt_datefield_value(value)


def _adapt(ops, form, value):
    if form == "raw":
        return value
    if form == "datetime":
        return ops.adapt_datetimefield_value(value)
    if form == "date":
        return ops.adapt_datefield_value(value)
    raise ValueError(form)


def _same(a, b):
    if type(a) is not type(b):
        return False
    # psycopg's JSON wrappers (Jsonb(None) for a JSON null) compare by identity: compare
    # what they wrap.
    if isinstance(a, Json | Jsonb):
        return a.obj == b.obj
    return a == b


def _name(ops, param, values):
    found = []
    for name, value in values.items():
        # The value as given first: a backend that passes it unchanged needs no adapting.
        form = next((form for form, adapted in _forms(ops, value) if _same(adapted, param)), None)
        if form is not None:
            found.append((name, form))
    if len(found) > 1:
        raise NotFreezable("a parameter matches more than one named value")
    return found[0] if found else None


def _names(ops, params_a, params_b, values_a, values_b):
    if len(params_a) != len(params_b):
        raise NotFreezable("the SQL depends on the values")
    names = []
    for param_a, param_b in zip(params_a, params_b, strict=True):
        name = _name(ops, param_a, values_a)
        if name is None and _name(ops, param_b, values_b) is None and _same(param_a, param_b):
            names.append((CONSTANT, param_a))
        elif name is not None and name == _name(ops, param_b, values_b):
            names.append(name)
        else:
            raise NotFreezable(f"parameter {len(names)} is neither a named value nor a constant")
    return tuple(names)


def freeze(using, compile_for, values_a, values_b):
    """Compile ``compile_for(values)`` (returns ``(sql, params)``) for two sets of named
    values that differ in every value; return the SQL with each parameter's name."""
    ops = connections[using].ops
    if any(values_a[name] == values_b[name] for name in values_a):
        raise NotFreezable("the two sets of values must differ in every value")
    sql_a, params_a = compile_for(values_a)
    sql_b, params_b = compile_for(values_b)
    if sql_a != sql_b:
        raise NotFreezable("the SQL depends on the values")
    return Frozen(sql_a, _names(ops, params_a, params_b, values_a, values_b))


def bind(using, frozen, values):
    """The parameters of ``frozen`` for these named values, as the ORM would send them."""
    ops = connections[using].ops
    return tuple(
        form if name == CONSTANT else _adapt(ops, form, values[name])
        for name, form in frozen.params
    )


def converted(connection, rows, converters):
    """Rows as the ORM returns them: each column through its field's converters
    (``compiler.get_converters``: from_db_value, the backend's adapters)."""
    if not converters:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        out.append(tuple(row))
    return out
