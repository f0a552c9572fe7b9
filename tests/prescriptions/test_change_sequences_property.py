"""A property test of signed plan changes: short random sequences of holds (with and
without an end), restarts, steps changes, dosing-time switches and an ending, each signed
through changes.py as the plan pages sign it (confirming only what that page has a box
for), with time passing and nights logged (taken or skipped) between them, keep these
promises after every step: a refused change stores nothing; no change alters how a night
before tonight is judged, nor a logged night's prescribed dose, state and deviation; a
signed hold not deliberately lifted still holds every night it still covers; every loader
of the plan agrees with titration on every night; and the reminders the sweep finds due
agree with the plan's state for tonight. After the last change, the plan can still be
stopped from the first night open to a change, by a hold until resumed and by an ending."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from patients.journal import entries as journal
from patients.models import NightlyEntry
from patients.notifications import due
from patients.rules import schedule
from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import make_plan
from tests.prescriptions.factories import plan_steps

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of 3 Dec in London
TONIGHT = date(2026, 12, 3)
FIRST = date(2026, 11, 1)  # the plan's first night
# Time moves up to 3 days before each of 5 changes, whose nights reach 3 weeks (and a hold
# 10 nights more) past the tonight they are signed on.
LAST = TONIGHT + timedelta(days=50)
WINDOW = tuple(FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1))

# The boxes each page has (prescriptions/forms.py): what a clinician can confirm there.
BOXES = {
    "steps": {changes.NeedsConfirmation, changes.NeedsGapConfirmation},
    "hold": {changes.NeedsRestartConfirmation},
    "resume": {changes.NeedsConfirmation},
    "dosing": {changes.NeedsConfirmation},
    "end": set(),
}

# A change's night, as days from the tonight it is signed on: tonight and tomorrow often
# (after a dose logged tonight, the first night a change may take), else up to 3 weeks on.
nights = st.one_of(st.sampled_from((0, 1)), st.integers(min_value=-2, max_value=21))
doses = st.sampled_from(("1.5", "3", "4.5"))

holds = st.tuples(
    st.just("hold"), nights, st.one_of(st.none(), st.integers(min_value=0, max_value=10))
)
# A restart's night is drawn from the plan's first held night from tonight (tonight when
# none), as the Resume form opens near it: drawn from tonight, most found no hold.
restarts = st.tuples(st.just("resume"), st.integers(min_value=-1, max_value=14), st.integers(0, 1))
steps_changes = st.tuples(st.just("steps"), nights, st.tuples(doses, doses))
switches = st.tuples(st.just("dosing"), nights, st.sampled_from(("morning", "morning", "evening")))

# Before each change: hours passing (from 22:00: the next morning at 09:00, the next
# evening, two days on, ...) and tonight's dose logged at the new moment, or not.
passing = st.sampled_from((0, 0, 11, 24, 24, 35, 72))
logs = st.one_of(
    st.none(), st.tuples(st.just("taken"), doses), st.tuples(st.just("skipped"), st.none())
)
betweens = st.tuples(passing, logs)


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


def _on_night(op, tonight):
    """``op`` with its drawn night (days from tonight) as a date."""
    if op[0] in ("hold", "steps", "dosing"):
        return (op[0], tonight + timedelta(days=op[1]), *op[2:])
    return op


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


def _sign(op, patient, clinician, tonight, first_night, now, check_unchanged):
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
                now=now,
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
    """The signed holds still promised after ``op`` was saved: the ones it did not lift,
    each with the nights it still covers."""
    kind = op[0]
    if kind == "end":
        return []
    if kind == "hold":
        _kind, first, length = op
        last = None if length is None else first + timedelta(days=length)

        def overlaps(hold):
            a, b = hold
            return (b is None or b >= first) and (last is None or a <= last)

        # A hold over an older one it overlaps gives it new dates from its own first night
        # on: the older hold still holds its nights before that (its version governs them).
        # The model dropped it whole, so those nights were never checked.
        before = [
            (a, first - timedelta(days=1)) for a, b in holds if overlaps((a, b)) and a < first
        ]
        if before:
            event("an older hold kept in part")
        return [hold for hold in holds if not overlaps(hold)] + before + [(first, last)]
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


def _log(patient, night, log, now):
    """The patient logs ``night`` at ``now`` as the journal stores it: a dose taken now, or
    the night skipped."""
    if log[0] == "taken":
        journal.save_evening(
            patient, night, now, uuid.uuid4(), dose_mg=Decimal(log[1]), taken_at=now
        )
    else:
        journal.skip_night(patient, night, now, uuid.uuid4(), reason=NightlyEntry.SkipReason.FORGOT)


def _judgement(view, entry):
    """How a logged night is judged: its state, prescribed dose and dosing time, the dose
    recorded as prescribed when logged, and whether the dose taken deviates from the plan
    (as flags.dose_deviation reads it)."""
    night = entry.night
    prescribed = view.dose_on(night)
    deviates = (
        entry.status == NightlyEntry.Status.TAKEN
        and prescribed is not None
        and entry.dose_mg != prescribed
    )
    return (
        view.status_on(night),
        prescribed,
        view.dosing_time_on(night),
        entry.prescribed_mg,
        deviates,
    )


def _check_logged_nights(patient, judged):
    view = plans.load(patient)
    for entry in NightlyEntry.objects.filter(patient=patient).exclude(status=""):
        assert _judgement(view, entry) == judged[entry.night], entry.night
        # The dose stored as prescribed is the plan's for the night, as the plan says now.
        assert entry.prescribed_mg == view.dose_on(entry.night), entry.night


def _check_reminders(patient, now):
    """The sweep's due reminders (due.due_reminders, as sent) agree with the plan as
    plans.load reads it: none for a night the plan does not prescribe, none asking for a
    dose already logged, and tonight's dose reminder (or its last call) due whenever the
    plan prescribes a dose tonight, nothing is logged and its slot (at tonight's dosing
    time) is open."""
    view = plans.load(patient)
    tonight = view.tonight(patient.tz, now)
    # Due, or found due and not sent (a last call due as well sends only the newer one).
    found = [
        reminder
        for batch in due.due_reminders(now)
        for due_patient, planned in batch
        if due_patient.pk == patient.pk
        for reminder in (*planned.due, *planned.missed)
    ]
    logged = set(
        NightlyEntry.objects.filter(patient=patient)
        .exclude(status="")
        .values_list("night", flat=True)
    )
    for reminder in found:
        assert view.status_on(reminder.night) == titration.ACTIVE, reminder
        if reminder.kind != schedule.MORNING_CHECKIN:
            assert reminder.night not in logged, reminder
    if view.status_on(tonight) == titration.ACTIVE and tonight not in logged:
        prefs = due._prefs(
            tuple(getattr(patient, column) for column in due._PREF_COLUMNS),
            False,
            due.morning_last_call_after(),
            due.morning_window_end(),
        )
        dose_slot = next(
            slot
            for slot in schedule.slots_for_night(prefs, tonight, view.dosing_time_on(tonight))
            if slot.kind == schedule.EVENING_DOSE
        )
        if dose_slot.due_at <= now < dose_slot.expires_at:
            kinds = {reminder.kind for reminder in found if reminder.night == tonight}
            assert kinds & {schedule.EVENING_DOSE, schedule.LAST_CALL}, (tonight, found)


def _check_can_stop_tonight(patient, clinician, now):
    """Whatever was signed, the clinician can stop the plan from the first night open to a
    change: a hold until resumed (an urgent report's hold is one) and an ending are each
    saved, or the plan is already stopped from then on. Each is tried and taken back."""
    view = plans.load(patient)
    if view.has_ended:
        return
    tonight = view.tonight(patient.tz, now)
    first_night, _logged = changes.first_changeable_night(patient, tonight)
    versions = tuple(view.versions)
    stops = (
        changes.hold_change(
            view.latest, hold_from=first_night, hold_until=None, reason="Urgent", versions=versions
        ),
        changes.end_change(
            view.latest, tonight_night=first_night, reason="Stopped", versions=versions
        ),
    )
    for stop in stops:
        held = plans.load(patient).status_on(first_night) == titration.ON_HOLD
        with transaction.atomic():
            refusal = None
            try:
                changes.save_version(
                    prescription_id=view.prescription.pk,
                    author=clinician,
                    based_on=view.latest.number,
                    change=stop,
                    now=now,
                )
            except changes.PlanChangeError as error:
                refusal = str(error)
            if refusal is not None:
                # Only a hold over a hold until resumed from then on has nothing to sign.
                assert stop.kind == PlanVersion.Kind.HOLD, refusal
                assert held, refusal
            else:
                stopped = plans.load(patient).status_on(first_night)
                assert stopped in (titration.ON_HOLD, titration.ENDED), stopped
            transaction.set_rollback(True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(sequence=change_sequences, between=st.lists(betweens, min_size=5, max_size=5))
def test_signed_changes_keep_history_logged_nights_holds_reminders_and_one_truth(sequence, between):
    with time_machine.travel(START, tick=False) as traveller, transaction.atomic():
        clinician = ClinicianFactory()
        patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
        make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)), start=FIRST)
        holds = []
        logged = {}  # night -> its judgement when logged
        now = START
        for op, (hours, log) in zip(sequence, between, strict=False):
            now += timedelta(hours=hours)
            traveller.move_to(now)
            before = plans.load(patient)
            tonight = before.tonight(patient.tz, now)
            if log is not None and not changes.tonights_dose_logged(patient, tonight):
                _log(patient, tonight, log, now)
                entry = NightlyEntry.objects.get(patient=patient, night=tonight)
                logged[tonight] = _judgement(before, entry)
                event(f"logged {log[0]}")
            op = _on_night(op, tonight)
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

            saved = _sign(op, patient, clinician, tonight, first_night, now, unchanged)
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
            _check_logged_nights(patient, logged)  # (e)
            _check_reminders(patient, now)  # (f)
        _check_can_stop_tonight(patient, clinician, now)  # (g)
        transaction.set_rollback(True)
