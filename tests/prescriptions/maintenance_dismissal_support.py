"""A switch to morning dosing signed and withdrawn, as plain versions (the suggestion
dismissal tests')."""

from datetime import date

from prescriptions import titration
from tests.prescriptions.maintenance_review_support import AUG_6, plain

DEC_10 = date(2026, 12, 10)
STANDARD = (("1.5", 14), ("3.0", 14), ("4.5", None))


# A switch to morning dosing signed for 10 Dec, and withdrawn (back to evening from 10 Dec)
# before that night: every night asks 4.5 mg in the evening, as it did.
WITHDRAWN_SWITCH = (
    plain(1, AUG_6, STANDARD),
    titration.PlainVersion(
        number=2,
        effective_night=DEC_10,
        start_date=AUG_6,
        steps=plain(1, AUG_6, STANDARD).steps,
        dosing_time=titration.MORNING,
    ),
    titration.PlainVersion(
        number=3,
        effective_night=DEC_10,
        start_date=AUG_6,
        steps=plain(1, AUG_6, STANDARD).steps,
        dosing_time=titration.EVENING,
    ),
)
