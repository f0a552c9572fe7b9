"""A property test of signed plan changes: short random sequences of holds (with and
without an end), restarts, steps changes, dosing-time switches and an ending, each signed
through changes.py as the plan pages sign it (confirming only what that page has a box
for), keep four promises after every step: a refused change stores nothing; no change
alters how a night before tonight is judged; a signed hold not deliberately lifted still
holds its nights; and every loader of the plan agrees with titration on every night."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import make_plan
from tests.prescriptions.factories import plan_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of 3 Dec in London
TONIGHT = date(2026, 12, 3)
FIRST = date(2026, 11, 1)  # the plan's first night
LAST = TONIGHT + timedelta(days=35)
WINDOW = tuple(FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1))

# The boxes each page has (prescriptions/forms.py): what a clinician can confirm there.
BOXES = {
    "steps": {changes.NeedsConfirmation, changes.NeedsGapConfirmation},
    "hold": {changes.NeedsRestartConfirmation},
    "resume": {changes.NeedsConfirmation},
    "dosing": {changes.NeedsConfirmation},
    "end": set(),
}

nights = st.integers(min_value=-2, max_value=21).map(lambda days: TONIGHT + timedelta(days))
doses = st.sampled_from(("1.5", "3", "4.5"))

holds = st.tuples(
    st.just("hold"), nights, st.one_of(st.none(), st.integers(min_value=0, max_value=10))
)
# A restart's night is drawn from the plan's first held night from tonight (tonight when
# none), as the Resume form opens near it: drawn from tonight, most found no hold.
restarts = st.tuples(st.just("resume"), st.integers(min_value=-1, max_value=14), st.integers(0, 1))
steps_changes = st.tuples(st.just("steps"), nights, st.tuples(doses, doses))
switches = st.tuples(st.just("dosing"), nights, st.sampled_from(("morning", "morning", "evening")))


def _with_ending(drawn):
    """An ending, now and then, at a drawn place in the sequence (every change after it
    is refused): drawn as often as the others, it ended most sequences early."""
    sequence, place = drawn
    if place is None:
        return sequence
    return [*sequence[:place], ("end",), *sequence[place:]][:5]


# A hold first, then 1-4 changes: most restarts then have a hold to restart.
change_sequences = st.tuples(
    st.tuples(
        holds,
        st.lists(
            st.one_of(holds, restarts, restarts, steps_changes, switches), min_size=1, max_size=4
        ),
    ).map(lambda drawn: [drawn[0], *drawn[1]]),
    st.sampled_from((None,) * 7 + (0, 1, 2, 3, 4)),
).map(_with_ending)


def _judged(view, nights):
    """How each night is judged: its state, prescribed dose and dosing time."""
    return [(view.status_on(n), view.dose_on(n), view.dosing_time_on(n)) for n in nights]


def _build(op, plan, tonight, first_night):
    kind = op[0]
    versions = tuple(plan.versions)
    if kind == "hold":
        _kind, hold_from, length = op
        hold_until = None if length is None else hold_from + timedelta(days=length)
        return changes.hold_change(
            plan.latest,
            hold_from=hold_from,
            hold_until=hold_until,
            reason="Surgery",
            versions=versions,
        )
    if kind == "resume":
        _kind, resume_on, step = op
        return changes.resume_change(
            plan.latest,
            tonight_night=tonight,
            resume_on=resume_on,
            step_index=step,
            reason="Healed",
            versions=versions,
            first_night=first_night,
        )
    if kind == "steps":
        _kind, night, (first_dose, then_dose) = op
        return changes.steps_change(
            plan.latest,
            effective_night=night,
            start_date=night,
            steps=plan_steps(((first_dose, 7), (then_dose, None))),
            reason="Titration",
            versions=versions,
        )
    if kind == "dosing":
        _kind, night, dosing_time = op
        return changes.dosing_time_change(
            plan.latest,
            dosing_time=dosing_time,
            effective_night=night,
            reason="Sleep",
            versions=versions,
        )
    return changes.end_change(plan.latest, tonight_night=first_night, reason="Stopped")


def _sign(op, patient, clinician, tonight, first_night, check_unchanged):
    """Sign ``op`` as its page does: confirm what the page has a box for and is asked,
    then sign again. Returns True when saved; every refusal, the asks too, stored nothing."""
    confirmed = {}
    for _attempt in range(4):
        plan = plans.load(patient)
        try:
            change = _build(op, plan, tonight, first_night)
            changes.save_version(
                prescription_id=plan.prescription.pk,
                author=clinician,
                based_on=plan.latest.number,
                change=change,
                now=NOW,
                **confirmed,
            )
        except changes.PlanChangeError as error:
            check_unchanged()
            if type(error) not in BOXES[op[0]]:
                return False
            if isinstance(error, changes.NeedsConfirmation):
                if confirmed.get("confirmed_increase"):
                    return False
                confirmed["confirmed_increase"] = True
            elif isinstance(error, changes.NeedsGapConfirmation):
                if confirmed.get("confirmed_gap"):
                    return False
                confirmed["confirmed_gap"] = True
            else:
                if confirmed.get("confirmed_restart") == error.night:
                    return False
                confirmed["confirmed_restart"] = error.night
        else:
            return True
    return False


def _lifted(op, holds):
    """The signed holds still promised after ``op`` was saved: the ones it did not lift."""
    kind = op[0]
    if kind == "end":
        return []
    if kind == "hold":
        _kind, first, length = op
        last = None if length is None else first + timedelta(days=length)

        def overlaps(hold):
            a, b = hold
            return (b is None or b >= first) and (last is None or a <= last)

        return [hold for hold in holds if not overlaps(hold)] + [(first, last)]
    if kind == "resume":
        # The hold it restarts is the one it is on or after (the latest to begin by then):
        # held up to the night before the restart, cancelled by a restart on its first.
        resume_on = op[1]
        begun = [hold for hold in holds if hold[0] <= resume_on]
        resumed = max(begun) if begun else None
        kept = [hold for hold in holds if hold != resumed]
        if resumed is not None and resume_on > resumed[0]:
            first, last = resumed
            eve = resume_on - timedelta(days=1)
            kept.append((first, eve if last is None else min(last, eve)))
        return kept
    return list(holds)


def _check_one_truth(patient):
    """plans.load (both of its paths) and load_many agree with titration, computed from the
    signed rows read again, on every night of the window."""
    rows = list(
        PlanVersion.objects.filter(prescription__patient=patient)
        .prefetch_related("steps")
        .order_by("prescription_id", "number")
    )
    truth = tuple(row.as_plain() for row in rows)
    for view in (
        plans.load(patient),
        plans.load(patient, arrays=False),
        plans.load_many([patient.pk])[patient.pk],
    ):
        assert view.versions == truth
        for night in WINDOW:
            position = view.on(night)
            assert position == titration.current_step(truth, night, view.concentration_mg_per_ml)
            assert view.status_on(night) == titration.status_on(truth, night) == position.status
            assert view.dose_on(night) == titration.prescribed_dose(truth, night)
            assert position.dose_mg == titration.prescribed_dose(truth, night)
            assert view.dosing_time_on(night) == titration.dosing_time_on(truth, night)


def _check_holds_kept(patient, holds):
    view = plans.load(patient)
    for first, last in holds:
        for night in WINDOW:
            if first <= night and (last is None or night <= last):
                assert view.dose_on(night) is None, (night, (first, last))
                assert view.status_on(night) in (titration.ON_HOLD, titration.ENDED)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(sequence=change_sequences)
def test_signed_changes_keep_history_holds_and_one_truth(sequence):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        clinician = ClinicianFactory()
        patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
        make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)), start=FIRST)
        holds = []
        for op in sequence:
            before = plans.load(patient)
            tonight = before.tonight(patient.tz, NOW)
            if op[0] == "resume":
                anchor = titration.first_held_night(before.versions, tonight) or tonight
                op = ("resume", anchor + timedelta(days=op[1]), op[2])
            first_night, _logged = changes.first_changeable_night(patient, tonight)
            count = PlanVersion.objects.count()
            judged = _judged(before, WINDOW)
            earlier = [night for night in WINDOW if night < tonight]

            def unchanged(count=count, judged=judged):
                assert PlanVersion.objects.count() == count
                assert _judged(plans.load(patient), WINDOW) == judged

            saved = _sign(op, patient, clinician, tonight, first_night, unchanged)
            event(f"{op[0]} {'saved' if saved else 'refused'}")
            after = plans.load(patient)
            # (b) the nights before tonight are judged as they were.
            assert _judged(after, earlier) == judged[: len(earlier)]
            if saved:
                holds = _lifted(op, holds)
            else:
                unchanged()  # (a)
            _check_holds_kept(patient, holds)  # (c)
            _check_one_truth(patient)  # (d)
        transaction.set_rollback(True)
