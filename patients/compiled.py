"""One patient's query compiled once per process: the SQL of a queryset, frozen by
``ldn_journal.sql_once`` (the one way this project compiles SQL once), with the real
patient's id bound on each call.

For the reads every clinician page of a patient makes: building and compiling the ORM query
cost as much as running it (the patient page and the visit report, issue 19).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.db import connections
from django.db.models import QuerySet

from ldn_journal import sql_once
from ldn_journal.compiled_queries import register

# No patient has these ids: two stand-ins, so sql_once can tell the patient's parameter
# from the constants.
_STAND_INS = ({"patient": -7_654_321}, {"patient": -7_654_322})


class PerPatientQuery:
    """``build(patient_id, **values)`` returns the queryset; ``sql(patient_id, alias,
    **values)`` its SQL and parameters for that patient (and those values), compiled on the
    first call for each database alias. ``stand_ins``: for each named value the query takes
    besides the patient's id, two values no real call passes, different from each other and
    from every other stand-in (the nights of a range: records.read_patient)."""

    def __init__(self, build: Callable[..., QuerySet], **stand_ins: tuple):
        self.build = build
        self._stand_ins = tuple(
            {**patient, **{name: pair[index] for name, pair in stand_ins.items()}}
            for index, patient in enumerate(_STAND_INS)
        )
        self._frozen = cache(self._freeze)
        register(self._frozen)

    def _freeze(self, alias: str) -> sql_once.Frozen:
        def compile_for(values):
            values = dict(values)
            patient_id = values.pop("patient")
            return self.build(patient_id, **values).using(alias).query.sql_with_params()

        frozen = sql_once.freeze(alias, compile_for, *self._stand_ins)
        if not any(name == "patient" for name, _form in frozen.params):
            raise ValueError("the query does not filter by the patient's id")
        return frozen

    def sql(self, patient_id: int, alias: str, **values) -> tuple[str, tuple]:
        frozen = self._frozen(alias)
        return frozen.sql, sql_once.bind(alias, frozen, {"patient": patient_id, **values})

    def rows(self, patient_id: int, alias: str) -> tuple[list[str], list[tuple]]:
        """The column names and rows, read as the queryset's ``values_list`` reads them on
        PostgreSQL (no field converters there for the columns these queries select)."""
        with connections[alias].cursor() as cursor:
            cursor.execute(*self.sql(patient_id, alias))
            return [column.name for column in cursor.description], cursor.fetchall()
