"""One patient's query compiled once per process: the SQL of a queryset built for a stand-in
patient, with the real patient's id put in its place on each call.

For the reads every clinician page of a patient makes: building and compiling the ORM query
cost as much as running it (the patient page and the visit report, issue 19).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.db import connections
from django.db.models import QuerySet

# No patient has this id: it marks in the compiled parameters where the real one goes.
ANY_PATIENT = -7_654_321


class PerPatientQuery:
    """``build(patient_id)`` returns the queryset; ``sql(patient_id, alias)`` its SQL and
    parameters for that patient, compiled on the first call for each database alias."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled = cache(self._compile)

    def _compile(self, alias: str):
        sql, params = self.build(ANY_PATIENT).using(alias).query.sql_with_params()
        at = tuple(i for i, param in enumerate(params) if param == ANY_PATIENT)
        if not at:
            raise ValueError("the query does not filter by the patient's id")
        return sql, tuple(params), at

    def sql(self, patient_id: int, alias: str) -> tuple[str, list]:
        sql, params, at = self._compiled(alias)
        params = list(params)
        for i in at:
            params[i] = patient_id
        return sql, params

    def rows(self, patient_id: int, alias: str) -> tuple[list[str], list[tuple]]:
        """The column names and rows, read as the queryset's ``values_list`` reads them on
        PostgreSQL (no field converters there for the columns these queries select)."""
        with connections[alias].cursor() as cursor:
            cursor.execute(*self.sql(patient_id, alias))
            return [column.name for column in cursor.description], cursor.fetchall()
