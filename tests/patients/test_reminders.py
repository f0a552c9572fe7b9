"""Due computation, claims and the sweep: one reminder per (patient, night, kind, channel)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from patients.models import ReminderDelivery
from patients.notifications import claims, tasks
from patients.notifications import sweep as sweeper
from patients.rules import schedule
from patients.rules.nights import EVENING
from patients.rules.schedule import NightState, Prefs, plan_patient, slots_for_night
from prescriptions import titration
from tests.factories import PatientFactory
from tests.patients.reminder_support import log_evening, patient_on_plan

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def collect():
    sent = []
    return sent, sent.extend


def sweep(now, sink=None):
    return sweeper.sweep(now, dispatch=sink if sink is not None else (lambda ids: None))


# --- Pure rules ---------------------------------------------------------------------------


def test_a_london_winter_night_has_evening_last_call_and_morning_reminders_at_local_times():
    slots = {
        s.kind: s for s in slots_for_night(Prefs(tz="Europe/London"), date(2026, 1, 15), EVENING)
    }
    assert slots[Kind.EVENING].due_at == utc(2026, 1, 15, 21, 0)
    assert slots[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 23, 30)
    assert slots[Kind.EVENING].expires_at == utc(2026, 1, 16, 3, 0)
    assert slots[Kind.MORNING].due_at == utc(2026, 1, 16, 9, 0)
    assert slots[Kind.MISSED].due_at == utc(2026, 1, 16, 9, 0)
    assert slots[Kind.MISSED].expires_at == utc(2026, 1, 16, 12, 0)


@pytest.mark.parametrize(
    ("tz", "night", "wall", "expected_utc"),
    [
        # New York, spring forward 2026-03-08 02:00 -> 03:00; fall back 2026-11-01 02:00 -> 01:00
        ("America/New_York", date(2026, 3, 7), time(21, 0), utc(2026, 3, 8, 2, 0)),
        ("America/New_York", date(2026, 3, 8), time(21, 0), utc(2026, 3, 9, 1, 0)),
        ("America/New_York", date(2026, 3, 7), time(2, 30), utc(2026, 3, 8, 7, 0)),  # skipped
        ("America/New_York", date(2026, 10, 31), time(1, 30), utc(2026, 11, 1, 5, 30)),  # twice
        ("America/New_York", date(2026, 10, 31), time(21, 0), utc(2026, 11, 1, 1, 0)),
        ("America/New_York", date(2026, 11, 1), time(21, 0), utc(2026, 11, 2, 2, 0)),
        # London, 2026-03-29 01:00 -> 02:00 and 2026-10-25 02:00 -> 01:00
        ("Europe/London", date(2026, 3, 28), time(1, 30), utc(2026, 3, 29, 1, 0)),  # skipped
        ("Europe/London", date(2026, 10, 24), time(1, 30), utc(2026, 10, 25, 0, 30)),
        ("Europe/London", date(2026, 10, 25), time(21, 0), utc(2026, 10, 25, 21, 0)),
        # Kolkata, +05:30 all year
        ("Asia/Kolkata", date(2026, 6, 1), time(21, 0), utc(2026, 6, 1, 15, 30)),
        # Lord Howe: +10:30 -> +11:00 at 02:00 on 2026-10-04; back at 02:00 on 2026-04-05
        ("Australia/Lord_Howe", date(2026, 10, 3), time(2, 15), utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", date(2026, 4, 4), time(1, 45), utc(2026, 4, 4, 14, 45)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(21, 0), utc(2026, 4, 5, 10, 30)),
    ],
)
def test_the_evening_reminder_fires_at_the_patients_local_minute_across_dst(
    tz, night, wall, expected_utc
):
    prefs = Prefs(tz=tz, reminder_time=wall, last_call=False)
    [evening] = [s for s in slots_for_night(prefs, night, EVENING) if s.kind == Kind.EVENING]
    assert evening.due_at == expected_utc
    assert evening.expires_at > evening.due_at


@pytest.mark.parametrize(
    ("state", "kinds"),
    [
        (NightState(date(2026, 1, 15)), {Kind.EVENING, Kind.LAST_CALL, Kind.MISSED}),
        (NightState(date(2026, 1, 15), evening_logged=True), {Kind.MORNING}),
        (NightState(date(2026, 1, 15), evening_logged=True, morning_logged=True), set()),
        (NightState(date(2026, 1, 15), plan_status=titration.ON_HOLD), set()),
        (NightState(date(2026, 1, 15), plan_status=titration.NO_PLAN), set()),
        (NightState(date(2026, 1, 15), plan_status=titration.NOT_STARTED), set()),
    ],
)
def test_which_reminders_a_night_still_wants(state, kinds):
    wanted = {
        k
        for k in (Kind.EVENING, Kind.LAST_CALL, Kind.MORNING, Kind.MISSED)
        if schedule.is_wanted(k, state)
    }
    assert wanted == kinds


def test_quiet_hours_move_a_reminder_to_their_end_when_it_is_still_useful():
    prefs = Prefs(
        tz="Europe/London", quiet_start=time(20, 30), quiet_end=time(22, 0), last_call=False
    )
    [evening] = [
        s for s in slots_for_night(prefs, date(2026, 1, 15), EVENING) if s.kind == Kind.EVENING
    ]
    assert evening.due_at == utc(2026, 1, 15, 22, 0)


def test_quiet_hours_covering_the_whole_window_leave_no_evening_reminder():
    prefs = Prefs(tz="Europe/London", quiet_start=time(18, 0), quiet_end=time(8, 0))
    kinds = {s.kind for s in slots_for_night(prefs, date(2026, 1, 15), EVENING)}
    assert Kind.EVENING not in kinds
    assert Kind.LAST_CALL not in kinds
    assert Kind.MORNING in kinds  # 09:00 is after the quiet hours


def test_the_next_look_is_the_next_reminder_not_yet_claimed():
    night = date(2026, 1, 15)
    states = {
        n: NightState(n) for n in (night - timedelta(days=1), night, night + timedelta(days=1))
    }
    states[night - timedelta(days=1)] = NightState(
        night - timedelta(days=1), evening_logged=True, morning_logged=True
    )
    plan = plan_patient(
        patient_id=1,
        recipient_id=1,
        email="",
        prefs=Prefs(tz="Europe/London"),
        states=states,
        claimed=set(),
        now=utc(2026, 1, 15, 18, 0),
        checked_since=None,
    )
    assert plan.due == []
    assert plan.next_at == utc(2026, 1, 15, 21, 0)


# --- The sweep against the database ----------------------------------------------------------


@pytest.mark.django_db
def test_a_due_patient_is_claimed_once_per_channel_and_then_scheduled_for_the_last_call():
    patient = patient_on_plan()
    sent, sink = collect()
    result = sweep(utc(2026, 1, 15, 21, 0), sink)
    assert len(result.claimed) == 1
    assert sent == result.claimed
    delivery = ReminderDelivery.objects.get()
    assert (delivery.kind, delivery.channel, delivery.status) == (
        Kind.EVENING,
        "email",
        Status.PENDING,
    )
    assert delivery.key == f"r:{patient.pk}:2026-01-15:evening:email"
    patient.refresh_from_db()
    assert patient.next_reminder_at == utc(2026, 1, 15, 23, 30)


@pytest.mark.django_db
def test_a_minute_early_nothing_is_claimed():
    patient_on_plan()
    assert sweep(utc(2026, 1, 15, 20, 59)).claimed == []


@pytest.mark.django_db
def test_two_sweeps_for_the_same_minute_claim_each_reminder_once():
    for _ in range(3):
        patient_on_plan()
    first = sweep(utc(2026, 1, 15, 21, 0))
    second = sweep(utc(2026, 1, 15, 21, 0))
    assert len(first.claimed) == 3
    assert second.claimed == []
    assert ReminderDelivery.objects.count() == 3


@pytest.mark.django_db
def test_a_claim_that_already_exists_is_skipped_even_when_the_schedule_was_reset():
    patient = patient_on_plan()
    sweep(utc(2026, 1, 15, 21, 0))
    type(patient).objects.update(next_reminder_at=None)  # e.g. two beats racing
    assert sweep(utc(2026, 1, 15, 21, 1)).claimed == []


@pytest.mark.django_db
def test_claim_returns_the_id_only_to_the_first_claimer():
    patient = patient_on_plan()
    now = utc(2026, 1, 15, 21, 0)
    args = ("k:1", patient.user_id, Kind.URGENT, "email")
    first = claims.claim(*args, due_at=now, now=now)
    assert first
    assert claims.claim(*args, due_at=now, now=now) is None


@pytest.mark.django_db
def test_no_reminder_after_the_dose_is_logged(django_capture_on_commit_callbacks):
    patient = patient_on_plan()
    with (
        time_machine.travel(utc(2026, 1, 15, 20, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        log_evening(patient, date(2026, 1, 15), at=utc(2026, 1, 15, 20, 0))
    result = sweep(utc(2026, 1, 15, 21, 0))
    assert result.claimed == []
    patient.refresh_from_db()
    assert patient.next_reminder_at == utc(2026, 1, 16, 3, 0)  # the 6-hour safety look
    morning = sweep(utc(2026, 1, 16, 9, 0))
    assert list(
        ReminderDelivery.objects.filter(pk__in=morning.claimed).values_list("kind", flat=True)
    ) == [Kind.MORNING]


@pytest.mark.django_db
def test_nothing_logged_brings_a_missed_dose_follow_up_next_morning():
    patient_on_plan(last_call=False)
    sweep(utc(2026, 1, 15, 21, 0))
    kinds = ReminderDelivery.objects.filter(
        pk__in=sweep(utc(2026, 1, 16, 9, 0)).claimed
    ).values_list("kind", flat=True)
    assert list(kinds) == [Kind.MISSED]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "setup",
    [
        {"hold_from": date(2026, 1, 10)},
        {"remind_by_email": False},
        {"user__is_active": False},
    ],
    ids=["plan-on-hold", "email-unsubscribed", "account-deactivated"],
)
def test_never_a_reminder_while_on_hold_unsubscribed_or_deactivated(setup):
    patient_on_plan(**setup)
    assert sweep(utc(2026, 1, 15, 21, 0)).claimed == []


@pytest.mark.django_db
def test_a_patient_without_a_plan_gets_no_reminder():
    PatientFactory()
    assert sweep(utc(2026, 1, 15, 21, 0)).claimed == []


@pytest.mark.django_db
def test_a_late_sweep_still_sends_while_useful_and_records_older_ones_expired():
    patient = patient_on_plan()
    sweep(utc(2026, 1, 15, 15, 0))  # schedules 21:00
    patient.refresh_from_db()
    assert patient.next_reminder_at == utc(2026, 1, 15, 21, 0)
    # Beat was down from 20:00 to 23:45: the last call is still useful and goes out; the
    # evening reminder it supersedes is recorded as expired, not sent on top of it.
    late = sweep(utc(2026, 1, 15, 23, 45))
    kinds = ReminderDelivery.objects.filter(pk__in=late.claimed).values_list("kind", flat=True)
    assert list(kinds) == [Kind.LAST_CALL]
    assert late.missed == 1
    assert ReminderDelivery.objects.get(kind=Kind.EVENING).status == Status.EXPIRED
    # Down again until 12:30 next day: the morning follow-up expired unsent, and says so.
    later = sweep(utc(2026, 1, 16, 12, 30))
    assert later.claimed == []
    assert later.missed == 1
    assert ReminderDelivery.objects.get(kind=Kind.MISSED).status == Status.EXPIRED
    assert later.expired == 1  # the last call, claimed but never sent


@pytest.mark.django_db
def test_pending_deliveries_past_their_window_are_expired():
    patient_on_plan()
    sweep(utc(2026, 1, 15, 21, 0))
    result = sweep(utc(2026, 1, 16, 3, 1))
    # The evening reminder was claimed but never sent; the last call was never even claimed.
    assert (result.expired, result.missed) == (1, 1)
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {Status.EXPIRED}


@pytest.mark.django_db
def test_pending_deliveries_are_requeued_a_few_minutes_after_their_claim(settings):
    settings.LDN_REMINDER_REQUEUE_SECONDS = 180
    patient_on_plan(last_call=False)
    now = utc(2026, 1, 15, 21, 0)
    with_time = sweeper.sweep  # claimed_at is `now` of the sweep
    claimed = with_time(now, dispatch=lambda ids: None).claimed
    assert sweep(now + timedelta(minutes=2)).requeued == []
    assert sweep(now + timedelta(minutes=4)).requeued == claimed


@pytest.mark.django_db
def test_a_delivery_stuck_in_sending_is_requeued(settings):
    settings.LDN_REMINDER_STUCK_SECONDS = 300
    patient_on_plan(last_call=False)
    now = utc(2026, 1, 15, 21, 0)
    [claimed] = sweep(now).claimed
    ReminderDelivery.objects.filter(pk=claimed).update(status=Status.SENDING, sending_since=now)
    assert sweep(now + timedelta(minutes=4)).requeued == []
    assert sweep(now + timedelta(minutes=6)).requeued == [claimed]


@pytest.mark.django_db
def test_the_sweep_query_count_does_not_grow_with_the_number_of_patients(
    django_assert_max_num_queries,
):
    for _ in range(30):
        patient_on_plan()
    with django_assert_max_num_queries(16):
        result = sweep(utc(2026, 1, 15, 21, 0))
    assert len(result.claimed) == 30


@pytest.mark.django_db
def test_a_large_sweep_is_cut_into_id_ranges_that_cover_every_due_patient(monkeypatch):
    monkeypatch.setattr(sweeper, "PART_SIZE", 3)
    patients = [patient_on_plan() for _ in range(7)]
    parts = sweeper.sweep_parts(utc(2026, 1, 15, 21, 0))
    assert len(parts) == 3
    assert parts[0][0] == patients[0].pk
    assert parts[-1][1] == patients[-1].pk
    covered = [pk for first, last in parts for pk in range(first, last + 1)]
    assert sorted(covered) == list(range(patients[0].pk, patients[-1].pk + 1))
    sweep(utc(2026, 1, 15, 21, 0))
    assert sweeper.sweep_parts(utc(2026, 1, 15, 21, 0)) == []  # nobody due: no parts


@pytest.mark.django_db
def test_a_fanned_out_sweep_hands_the_parts_over_and_the_parts_claim_each_reminder_once(
    monkeypatch,
):
    monkeypatch.setattr(sweeper, "PART_SIZE", 2)
    for _ in range(5):
        patient_on_plan()
    now = utc(2026, 1, 15, 21, 0)
    handed = []
    result = sweeper.sweep(now, dispatch=lambda ids: None, fan_out=handed.extend)
    assert len(handed) == 3
    assert result.claimed == []
    assert ReminderDelivery.objects.count() == 0
    sent, sink = collect()
    # Every part, one of them run twice (a redelivered task): five claims, no more.
    for first, last in [*handed, handed[0]]:
        sweeper.sweep_part(now, first, last, dispatch=sink)
    assert len(sent) == 5
    assert ReminderDelivery.objects.count() == 5
    assert sweeper.sweep(now, dispatch=lambda ids: None, fan_out=handed.extend).claimed == []


@pytest.mark.django_db
def test_a_small_sweep_runs_in_the_beat_task_without_fanning_out(monkeypatch):
    for _ in range(3):
        patient_on_plan()
    handed = []
    result = sweeper.sweep(
        utc(2026, 1, 15, 21, 0), dispatch=lambda ids: None, fan_out=handed.extend
    )
    assert handed == []
    assert len(result.claimed) == 3


@pytest.mark.django_db
def test_the_beat_task_enqueues_one_sub_sweep_per_part_for_the_same_minute(monkeypatch):

    monkeypatch.setattr(sweeper, "PART_SIZE", 2)
    for _ in range(4):
        patient_on_plan()
    queued = []
    monkeypatch.setattr(tasks.sweep_part_task, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(tasks.urgent, "sweep", lambda now: {})
    with time_machine.travel(utc(2026, 1, 15, 21, 0, 5), tick=False):
        tasks.sweep_reminders_task.run()
    assert len(queued) == 2
    assert {now for now, _first, _last in queued} == {"2026-01-15T21:00:05+00:00"}
    for args in queued:
        tasks.sweep_part_task.run(*args)
    assert ReminderDelivery.objects.count() == 4


# --- DST nights, minute by minute -----------------------------------------------------------


def _sweep_like_beat(start, end, around):
    """Every minute within ten minutes of each moment in `around`, every ten elsewhere
    (minute-by-minute over a whole night would only repeat the same empty sweeps)."""
    claimed = []
    moment = start
    while moment <= end:
        claimed += sweep(moment).claimed
        near = any(abs(moment - m) <= timedelta(minutes=10) for m in around)
        moment += timedelta(minutes=1 if near else 10)
    return claimed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tz", "night", "reminder_time", "last_call_time", "evening_utc", "last_call_utc"),
    [
        # 02:30 is skipped, and the jump (07:00 UTC) is the dosing window's very end: the
        # last call comes half an hour of real time before it, 01:30 EST
        # (schedule.evening_last_call; tests/patients/test_evening_reminder_window_end.py).
        (
            "America/New_York",
            date(2026, 3, 7),
            time(21, 0),
            time(2, 30),
            utc(2026, 3, 8, 2, 0),
            utc(2026, 3, 8, 6, 30),
        ),
        (
            "America/New_York",
            date(2026, 10, 31),
            time(21, 0),
            time(1, 30),
            utc(2026, 11, 1, 1, 0),
            utc(2026, 11, 1, 5, 30),
        ),
        (
            "Europe/London",
            date(2026, 3, 28),
            time(21, 0),
            time(1, 30),
            utc(2026, 3, 28, 21, 0),
            utc(2026, 3, 29, 1, 0),
        ),
        (
            "Europe/London",
            date(2026, 10, 24),
            time(21, 0),
            time(1, 30),
            utc(2026, 10, 24, 20, 0),
            utc(2026, 10, 25, 0, 30),
        ),
        (
            "Asia/Kolkata",
            date(2026, 3, 28),
            time(21, 0),
            time(23, 30),
            utc(2026, 3, 28, 15, 30),
            utc(2026, 3, 28, 18, 0),
        ),
        (
            "Australia/Lord_Howe",
            date(2026, 10, 3),
            time(21, 0),
            time(2, 15),
            utc(2026, 10, 3, 10, 30),
            utc(2026, 10, 3, 15, 30),
        ),
        (
            "Australia/Lord_Howe",
            date(2026, 4, 4),
            time(21, 0),
            time(1, 45),
            utc(2026, 4, 4, 10, 0),
            utc(2026, 4, 4, 14, 45),
        ),
    ],
)
def test_on_dst_nights_each_reminder_fires_once_at_the_right_minute(
    tz, night, reminder_time, last_call_time, evening_utc, last_call_utc
):
    patient_on_plan(
        tz=tz, reminder_time=reminder_time, last_call_time=last_call_time, morning_checkin=False
    )
    # Sweep minute by minute from an hour before the evening reminder to after the window.
    claimed = _sweep_like_beat(
        evening_utc - timedelta(minutes=60),
        last_call_utc + timedelta(minutes=90),
        around=[evening_utc, last_call_utc],
    )
    rows = ReminderDelivery.objects.filter(pk__in=claimed)
    assert sorted((r.kind, r.due_at, r.claimed_at) for r in rows) == sorted(
        [(Kind.EVENING, evening_utc, evening_utc), (Kind.LAST_CALL, last_call_utc, last_call_utc)]
    )


@pytest.mark.django_db
def test_logging_a_dose_costs_the_schedule_nothing_and_removing_it_brings_the_patient_forward():
    patient = patient_on_plan()
    sweep(utc(2026, 1, 15, 20, 0))
    patient.refresh_from_db()
    scheduled = patient.next_reminder_at
    assert scheduled == utc(2026, 1, 15, 21, 0)
    with time_machine.travel(utc(2026, 1, 15, 20, 30), tick=False):
        entry = log_evening(patient, date(2026, 1, 15))
        patient.refresh_from_db()
        assert patient.next_reminder_at == scheduled  # the sweep at 21:00 finds it logged
        entry.delete()
        patient.refresh_from_db()
        assert patient.next_reminder_at == utc(2026, 1, 15, 20, 30)
    assert sweep(utc(2026, 1, 15, 21, 0)).claimed


# --- Morning dosing -------------------------------------------------------------------------


def test_a_morning_dosing_day_has_the_dose_reminder_a_last_call_and_a_next_day_follow_up():
    prefs = Prefs(tz="Europe/London", morning_time=time(8, 0))
    slots = slots_for_night(prefs, date(2026, 1, 15), "morning")
    assert [(s.kind, s.due_at, s.expires_at) for s in slots] == [
        # Useful until the morning dosing window ends (14:00), as "Taken now" is: they
        # expired at midnight, and at 20:00 said "Time for today's dose" under a card that
        # asks when it was taken.
        (Kind.EVENING, utc(2026, 1, 15, 8, 0), utc(2026, 1, 15, 14, 0)),
        (Kind.LAST_CALL, utc(2026, 1, 15, 10, 0), utc(2026, 1, 15, 14, 0)),
        (Kind.MISSED, utc(2026, 1, 16, 8, 0), utc(2026, 1, 17, 0, 0)),
        # The next morning's check-in, until noon (it was never sent to a morning doser).
        (Kind.MORNING, utc(2026, 1, 16, 8, 0), utc(2026, 1, 16, 12, 0)),
    ]
    no_checkin = Prefs(tz="Europe/London", morning_time=time(8, 0), morning_checkin=False)
    kinds = [s.kind for s in slots_for_night(no_checkin, date(2026, 1, 15), "morning")]
    assert kinds == [Kind.EVENING, Kind.LAST_CALL, Kind.MISSED]


def test_a_morning_last_call_follows_the_setting_and_can_be_switched_off():
    later = Prefs(tz="Asia/Kolkata", morning_last_call_after=timedelta(minutes=90))
    [last_call] = [
        s for s in slots_for_night(later, date(2026, 1, 15), "morning") if s.kind == Kind.LAST_CALL
    ]
    assert last_call.due_at == utc(2026, 1, 15, 5, 0)  # 09:00 IST + 1 h 30 = 10:30 IST
    for prefs in (
        Prefs(tz="Asia/Kolkata", last_call=False),
        Prefs(tz="Asia/Kolkata", morning_last_call_after=None),
    ):
        kinds = [s.kind for s in slots_for_night(prefs, date(2026, 1, 15), "morning")]
        assert kinds == [Kind.EVENING, Kind.MISSED, Kind.MORNING]


def _kinds_claimed(now):
    return sorted(
        ReminderDelivery.objects.filter(pk__in=sweep(now).claimed).values_list("night", "kind")
    )


@pytest.mark.django_db
def test_a_morning_dosing_patient_gets_a_last_call_and_the_next_day_follow_up():
    patient_on_plan(dosing_time="morning", morning_checkin=False, start=date(2026, 1, 15))
    day = date(2026, 1, 15)
    assert _kinds_claimed(utc(2026, 1, 15, 9, 0)) == [(day, Kind.EVENING)]
    assert _kinds_claimed(utc(2026, 1, 15, 11, 0)) == [(day, Kind.LAST_CALL)]
    # Next morning: yesterday's follow-up and today's dose reminder.
    assert _kinds_claimed(utc(2026, 1, 16, 9, 0)) == [
        (day, Kind.MISSED),
        (date(2026, 1, 16), Kind.EVENING),
    ]


@pytest.mark.django_db
def test_a_morning_dose_logged_in_time_stops_the_last_call_and_the_follow_up():
    patient = patient_on_plan(dosing_time="morning", start=date(2026, 1, 15))
    assert _kinds_claimed(utc(2026, 1, 15, 9, 0)) == [(date(2026, 1, 15), Kind.EVENING)]
    log_evening(patient, date(2026, 1, 15), at=utc(2026, 1, 15, 9, 30))
    assert _kinds_claimed(utc(2026, 1, 15, 11, 0)) == []
    # Logged: the next morning asks how the night was (with the day's dose reminder).
    assert _kinds_claimed(utc(2026, 1, 16, 9, 0)) == [
        (date(2026, 1, 15), Kind.MORNING),
        (date(2026, 1, 16), Kind.EVENING),
    ]
