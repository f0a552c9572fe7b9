"""Plan-change safety: the increases a clinician must confirm before a new version is saved.

Pure: plain versions in, plain warnings out. A change is checked against the plan as it would
be with the change saved (and what it signs again after it), night by night, from the night
the change takes effect to the last night on which anything it signs can change: the first
night of its last step, and the first dosed night after any hold. An increase of more than
``max_increase`` mg from one dosed night to the next dosed night, or any dose above
``clinic_max``, is a warning. The nights are read through titration.prescribed_dose, so a
hold (no dose) never hides a jump: the comparison is with the last dosed night before it.
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


def _last_night(signed: Sequence[titration.PlainVersion]) -> date:
    """The last night to judge: the last on which what ``signed`` (the change and what it
    signs again after it) asks can change, so every night after it doses as it does. Not the
    first night of the change's last step alone: when that night was inside a hold, the
    first dose after the hold was never judged, and 2 mg then 4.5 mg after a hold was saved
    without the increase question (found by QA)."""
    return titration.last_edge(signed)


def _step_message(night, dose, previous_night, previous, max_increase):
    """The step warning, naming the night compared with when it is not the night before
    (a hold or a gap between them): "after 2 mg the night before" was said of 9 Dec after
    a hold from 6 to 8 Dec."""
    values = {
        "dose": _mg(dose),
        "night": DateWithYear.of(night),
        "previous": _mg(previous),
        "increase": _mg(dose - previous),
        "most": _mg(max_increase),
    }
    if previous_night == night - timedelta(days=1):
        return gettext_noop(
            "%(dose)s mg on the night of %(night)s after %(previous)s mg the night before is "
            "an increase of %(increase)s mg, more than %(most)s mg in one step.",
            **values,
        )
    return gettext_noop(
        "%(dose)s mg on the night of %(night)s after %(previous)s mg on the night of "
        "%(previous_night)s (no dose in between) is an increase of %(increase)s mg, more "
        "than %(most)s mg in one step.",
        previous_night=DateWithYear.of(previous_night),
        **values,
    )


def increase_warnings(
    versions: Sequence[titration.PlainVersion],
    proposed: titration.PlainVersion,
    *,
    max_increase: Decimal,
    clinic_max: Decimal,
    kept: Sequence[titration.PlainVersion] = (),
    made_only: bool = False,
) -> list[IncreaseWarning]:
    """What a clinician must confirm before ``proposed`` joins ``versions`` (one per kind).

    ``proposed`` must carry the next version number; ``kept``: the versions the change signs
    again after it (a later hold or switch kept), read as the plan will dose. Only the
    nights from the proposed version's first are judged; earlier nights keep the plan they
    had. ``made_only``: only what the change makes (a hold, which carries the signed steps):
    a night that doses as before and whose increase the plan already had, from a night
    dosed no lower, was signed (and confirmed) with those steps and is not asked again.
    """
    after = [*versions, proposed, *kept]
    first = proposed.effective_night
    previous = None
    night = first - timedelta(days=1)
    for _ in range(LOOK_BACK_NIGHTS):
        previous = titration.prescribed_dose(versions, night)
        if previous is not None:
            break
        night -= timedelta(days=1)
    previous_night = night
    # The plan without the change, night by night: what it already asked (made_only).
    before_previous = previous

    warnings: list[IncreaseWarning] = []
    step_warned = max_warned = False
    night, last = first, _last_night([proposed, *kept])
    while night <= last and not (step_warned and max_warned):
        dose = titration.prescribed_dose(after, night)
        before = titration.prescribed_dose(versions, night)
        had = made_only and before == dose
        if dose is not None:
            had_step = (
                had
                and previous is not None
                and before_previous is not None
                and before_previous <= previous
            )
            if (
                not step_warned
                and not had_step
                and previous is not None
                and dose - previous > max_increase
            ):
                step_warned = True
                warnings.append(
                    IncreaseWarning(
                        night,
                        dose,
                        previous,
                        "step",
                        _step_message(night, dose, previous_night, previous, max_increase),
                    )
                )
            if not max_warned and not had and dose > clinic_max:
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
            previous, previous_night = dose, night
        if before is not None:
            before_previous = before
        night += timedelta(days=1)
    return warnings
