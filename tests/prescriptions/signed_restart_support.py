"""A plan held from 2 Dec and a restart signed for 10 Dec (the signed-restart tests)."""

from datetime import UTC, date, datetime

from tests.patients.journal_support import make_plan, sign_hold, sign_restart

DEC_2 = date(2026, 12, 2)
DEC_10 = date(2026, 12, 10)
HOLD_SIGNED = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 20:00 in London, night of the 2nd
NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of the 3rd


def _held_from_dec_2(patient, clinician, until=None):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient, clinician, DEC_2, until, signed=HOLD_SIGNED)


def _resume(patient, clinician, on=DEC_10):
    sign_restart(patient, clinician, on, 1, signed=NOW)
