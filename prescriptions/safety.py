"""Plan-change safety: the increases a clinician must confirm before a new version is saved.

Pure: plain versions in, plain warnings out. A change is checked against the plan as it would
be with the change saved, night by night, from the night before the change takes effect
to the night its schedule reaches its last step: an increase of more than ``max_increase``
mg from one dosed night to the next, or any dose above ``clinic_max``, is a warning. The
nights are read through titration.prescribed_dose, so a hold (no dose) never hides a jump:
the comparison is with the last dosed night before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from patients.rules.wording import DateWithYear, decimal_text, gettext_noop
from prescriptions import titration

LOOK_BACK_NIGHTS = 90  # how far back the "previous dose" is looked for before the change


@dataclass(frozen=True)
class IncreaseWarning:
    night: date
    dose_mg: Decimal
    previous_mg: Decimal | None
    reason: str  # "step" (more than max_increase night to night) or "maximum"
    message: str  # a wording.Phrase: English as a str, translated when shown


def _mg(value: Decimal) -> Decimal:
    return Decimal(decimal_text(value))


def _last_night(version: titration.PlainVersion) -> date:
    """The first night of the version's last step (after it nothing changes)."""
    return max(version.effective_night, titration.step_schedule(version)[-1][0])


def increase_warnings(
    versions: Sequence[titration.PlainVersion],
    proposed: titration.PlainVersion,
    *,
    max_increase: Decimal,
    clinic_max: Decimal,
) -> list[IncreaseWarning]:
    """What a clinician must confirm before ``proposed`` joins ``versions`` (one per kind).

    ``proposed`` must carry the next version number. Only the nights the proposed version
    governs are judged; earlier nights keep the plan they had.
    """
    after = [*versions, proposed]
    first = proposed.effective_night
    previous = None
    night = first - timedelta(days=1)
    for _ in range(LOOK_BACK_NIGHTS):
        previous = titration.prescribed_dose(versions, night)
        if previous is not None:
            break
        night -= timedelta(days=1)

    warnings: list[IncreaseWarning] = []
    step_warned = max_warned = False
    night, last = first, _last_night(proposed)
    while night <= last and not (step_warned and max_warned):
        dose = titration.prescribed_dose(after, night)
        if dose is not None:
            if not step_warned and previous is not None and dose - previous > max_increase:
                step_warned = True
                warnings.append(
                    IncreaseWarning(
                        night,
                        dose,
                        previous,
                        "step",
                        gettext_noop(
                            "%(dose)s mg on the night of %(night)s after %(previous)s mg the "
                            "night before is an increase of %(increase)s mg, more than "
                            "%(most)s mg in one step.",
                            dose=_mg(dose),
                            night=DateWithYear.of(night),
                            previous=_mg(previous),
                            increase=_mg(dose - previous),
                            most=_mg(max_increase),
                        ),
                    )
                )
            if not max_warned and dose > clinic_max:
                max_warned = True
                warnings.append(
                    IncreaseWarning(
                        night,
                        dose,
                        previous,
                        "maximum",
                        gettext_noop(
                            "%(dose)s mg from the night of %(night)s is above the clinic's "
                            "maximum of %(most)s mg.",
                            dose=_mg(dose),
                            night=DateWithYear.of(night),
                            most=_mg(clinic_max),
                        ),
                    )
                )
            previous = dose
        night += timedelta(days=1)
    return warnings
