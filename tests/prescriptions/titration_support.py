"""Plain steps and plan versions for the titration tests."""

from datetime import date
from decimal import Decimal

from prescriptions.titration import PlainVersion, Step

D = Decimal
JAN_1 = date(2024, 1, 1)


def step(dose: str, days: int | None) -> Step:
    return Step(D(dose), days)


# 1.5 mg for two weeks, 3.0 mg for two weeks, then 4.5 mg maintenance.
CLASSIC_STEPS = (step("1.5", 14), step("3.0", 14), step("4.5", None))


def version(
    number=1,
    effective=JAN_1,
    start=None,
    steps=CLASSIC_STEPS,
    **extra,
) -> PlainVersion:
    return PlainVersion(
        number=number,
        effective_night=effective,
        start_date=start or effective,
        steps=steps,
        **extra,
    )
