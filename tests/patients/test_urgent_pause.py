"""The urgent pause: while a report is open the patient waits (a calm card, no one-tap dose,
no dose reminders) until a clinician answers "continue as planned" or "hold the plan"."""

import uuid
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from kombu.exceptions import OperationalError

from patients.models import NightlyEntry, ReminderDelivery, UrgentReport
from patients.notifications import outbox
from patients.notifications import sweep as reminders
from patients.pause import urgent_state, urgent_states
from patients.rules import pause as pause_rules
from patients.urgent import reports as urgent
from prescriptions import plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold
from tests.patients.reminder_support import log_evening, patient_on_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

# 20:00 in London on Thursday 26 Nov 2026: tonight is the 26th, the reminder is due at 21:00.
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
REMINDER_TIME = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
TONIGHT = date(2026, 11, 26)
HOME = "/journal/"
Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


def report(patient, now=NOW, severity="severe"):
    return urgent_report(patient, now, severity=severity)


def due_kinds(patient, now):
    return [
        (due.kind, due.night)
        for batch in reminders.due_reminders(now)
        for row, plan in batch
        if row.pk == patient.pk
        for due in plan.due
    ]


@pytest.fixture
def on_plan(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    return patient_a


@pytest.fixture
def staff_client(clinician_a):
    """The clinician in a browser of their own (the patient keeps `patient_client`)."""
    return signed_in_reauthenticated(clinician_a)


@pytest.fixture
def answer_from_the_clinic(on_plan, patient_client, staff_client):
    """``answer(decision, note)``: a new report, answered on the clinician's acknowledge
    page a quarter of an hour later; returns the patient's card then."""

    def answer(decision, note):
        made = report(on_plan)
        with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
            response = staff_client.post(
                reverse("clinic:urgent_acknowledge", args=[made.pk]),
                {"note": note, "decision": decision},
            )
            assert response.status_code == 302
            return patient_client.get(HOME).content.decode()

    return answer


# --- The rule (pure) ----------------------------------------------------------------------------


def test_no_open_report_means_no_pause():
    assert pause_rules.pause_at([], NOW) is None


def test_an_open_report_pauses_from_its_moment_on():
    assert pause_rules.is_paused([NOW], NOW)
    assert pause_rules.is_paused([NOW], NOW + timedelta(days=3))


def test_a_report_made_after_the_moment_asked_about_does_not_pause_it():
    assert not pause_rules.is_paused([NOW], NOW - timedelta(minutes=1))


def test_two_open_reports_are_one_pause_dated_by_the_oldest_and_the_newest():
    pause = pause_rules.pause_at([NOW, NOW - timedelta(hours=2)], NOW)
    assert (pause.since, pause.latest, pause.reports) == (NOW - timedelta(hours=2), NOW, 2)


@pytest.mark.parametrize(
    ("kind", "silenced"),
    [("evening", True), ("last_call", True), ("missed", True), ("morning", False)],
)
def test_a_pause_silences_the_dose_reminders_only(kind, silenced):
    assert pause_rules.silences(kind) is silenced


# --- The one loader ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_loader_reads_a_batch_of_patients_in_one_query(
    on_plan, patient_b, django_assert_num_queries
):
    first, second = report(on_plan), report(patient_b)
    with django_assert_num_queries(1):
        states = urgent_states([on_plan.pk, patient_b.pk])
    assert states[on_plan.pk].open == ((first.created_at, first.pk),)
    assert states[patient_b.pk].open == ((second.created_at, second.pk),)


@pytest.mark.django_db
def test_an_acknowledged_report_no_longer_pauses(on_plan, clinician_a):
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Carry on.", NOW + timedelta(minutes=5))
    state = urgent_state(on_plan.pk, NOW + timedelta(minutes=6))
    assert not state.paused(NOW + timedelta(minutes=6))
    assert state.answer.note == "Carry on."
    assert state.answer.decision == "continue"


# --- Reminders --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_open_report_holds_back_the_evening_reminder_in_the_due_query(on_plan):
    other = patient_on_plan(dose="3")
    report(on_plan)
    assert due_kinds(on_plan, REMINDER_TIME) == []
    assert due_kinds(other, REMINDER_TIME) == [(Kind.EVENING, TONIGHT)]


@pytest.mark.django_db
def test_the_dry_run_at_the_reminder_time_does_not_list_a_paused_patient(on_plan):
    other = patient_on_plan(dose="3", user__email="other@example.org")
    report(on_plan)
    out = StringIO()
    call_command("send_reminders", "--at", REMINDER_TIME.isoformat(), "--dry-run", stdout=out)
    assert "other@example.org" in out.getvalue()
    assert on_plan.user.email not in out.getvalue()
    assert other.pk  # the listing above is of a real, unpaused patient


@pytest.mark.django_db
def test_the_last_call_and_the_missed_dose_follow_up_are_held_back_too(on_plan):
    report(on_plan)
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    next_morning = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert [k for k, _n in due_kinds(on_plan, late)] == []
    assert Kind.MISSED not in [k for k, _n in due_kinds(on_plan, next_morning)]


@pytest.mark.django_db
def test_the_morning_check_in_still_goes_out_while_paused(on_plan):
    log_evening(on_plan, TONIGHT, dose="3", at=NOW - timedelta(minutes=30))
    report(on_plan)
    morning = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert (Kind.MORNING, TONIGHT) in due_kinds(on_plan, morning)


@pytest.mark.django_db
def test_a_reminder_claimed_before_the_report_is_not_sent(on_plan):
    with time_machine.travel(REMINDER_TIME, tick=False):
        for batch in reminders.due_reminders(REMINDER_TIME):
            rows = [reminders._row_for(due) for _p, plan in batch for due in plan.due]
            reminders.claim_many(rows, REMINDER_TIME)
    claimed = ReminderDelivery.objects.get(patient=on_plan, kind=Kind.EVENING)
    report(on_plan, now=REMINDER_TIME + timedelta(seconds=5))
    claimed.refresh_from_db()
    assert claimed.status == Status.SKIPPED


@pytest.mark.django_db
def test_continuing_as_planned_lets_the_next_sweep_remind_again(on_plan, clinician_a):
    made = report(on_plan)
    assert due_kinds(on_plan, REMINDER_TIME) == []
    urgent.acknowledge(made, clinician_a, "Carry on.", REMINDER_TIME + timedelta(minutes=1))
    on_plan.refresh_from_db()
    assert on_plan.next_reminder_at is None  # looked at again by the next sweep
    last_call = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert due_kinds(on_plan, last_call) == [(Kind.LAST_CALL, TONIGHT)]


# --- The tonight card ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_while_a_report_is_open_the_card_asks_to_wait_without_the_one_tap_dose(
    on_plan, patient_client, settings
):
    settings.LDN_CLINIC_PHONE = "+44 20 7946 0018"
    report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        html = patient_client.get(HOME).content.decode()
    assert "Wait for your clinician" in html
    assert (
        'You reported a bad reaction on <time datetime="2026-11-26T20:00:00+00:00">'
        'Thursday 26 November, 20:00 <abbr class="tz" title="Europe/London">GMT</abbr></time>.'
    ) in html
    assert "Taken now" not in html
    assert 'href="tel:+442079460018"' in html
    assert 'href="tel:999"' in html
    assert "I already took tonight&#x27;s dose" in html
    assert reverse("journal:evening", args=[TONIGHT]) in html


# 08:00 in London the next morning: the night of the 26th is still open ("Last night").
NEXT_MORNING = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_next_morning_the_wait_card_names_last_nights_dose_as_its_title_does(
    on_plan, patient_client
):
    """Under "Last night · Thu 26 Nov" the link said "I already took tonight's dose" (found
    reading the demo patient's page at 08:14): tonight reads as the coming evening."""
    report(on_plan)
    with time_machine.travel(NEXT_MORNING, tick=False):
        html = patient_client.get(HOME).content.decode()
    assert "Last night · Thu 26 Nov" in html
    assert "I already took last night&#x27;s dose" in html
    assert "tonight&#x27;s dose" not in html
    assert reverse("journal:evening", args=[TONIGHT]) in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "link"),
    [
        ("de", "Letzte Nacht", "Ich habe die Dosis von letzter Nacht schon eingenommen"),
        ("es", "Anoche", "Ya he tomado la dosis de anoche"),
    ],
)
def test_the_next_morning_the_wait_card_link_is_last_nights_in_german_and_spanish(
    on_plan, patient_client, language, title, link
):
    on_plan.user.language = language
    on_plan.user.save(update_fields=["language"])
    report(on_plan)
    with time_machine.travel(NEXT_MORNING, tick=False):
        html = patient_client.get(HOME).content.decode()
    assert title in html
    assert link in html


@pytest.mark.django_db
def test_the_next_morning_the_refused_one_tap_dose_names_the_link_as_the_card_does(
    on_plan, patient_client
):
    report(on_plan)
    with time_machine.travel(NEXT_MORNING, tick=False):
        response = patient_client.post(
            reverse("journal:taken_now"), {"submission_id": str(uuid.uuid4())}, follow=True
        )
    said = (
        "Do not take your next dose until your clinician has answered. If you already took "
        "it, log it with “I already took last night's dose”."
    )
    assert said.replace("'", "&#x27;") in response.text
    assert not NightlyEntry.objects.filter(patient=on_plan).exists()


@pytest.mark.django_db
def test_without_an_open_report_the_card_offers_the_one_tap_dose(on_plan, patient_client):
    with time_machine.travel(NOW, tick=False):
        html = patient_client.get(HOME).content.decode()
    assert "Taken now" in html
    assert "Wait for your clinician" not in html


@pytest.mark.django_db
def test_the_one_tap_dose_is_refused_on_the_server_while_a_report_is_open(on_plan, patient_client):
    """The card hides the button, but a tab opened before the report still posted it and
    stored the prescribed dose (found by an exploratory pass)."""
    report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = patient_client.post(
            reverse("journal:taken_now"), {"submission_id": str(uuid.uuid4())}, follow=True
        )
        replayed = patient_client.post(
            reverse("journal:taken_now"),
            {"submission_id": str(uuid.uuid4()), "acted_at": "2026-11-26T20:05:00+00:00"},
            HTTP_X_LDN_REPLAY="1",
        )
    said = (
        "Do not take your next dose until your clinician has answered. If you already took "
        "it, log it with “I already took tonight's dose”."
    )
    assert said.replace("'", "&#x27;") in response.text
    assert replayed.status_code == 409
    assert replayed.json() == {"ok": False, "message": said}
    assert not NightlyEntry.objects.filter(patient=on_plan).exists()


@pytest.mark.django_db
def test_a_tap_queued_offline_before_the_report_is_still_saved(on_plan, patient_client):
    report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        patient_client.post(
            reverse("journal:taken_now"),
            {"submission_id": str(uuid.uuid4()), "acted_at": "2026-11-26T19:55:00+00:00"},
            HTTP_X_LDN_REPLAY="1",
        )
    assert NightlyEntry.objects.get(patient=on_plan, night=TONIGHT).is_taken


@pytest.mark.django_db
def test_a_dose_already_taken_can_still_be_recorded_while_paused(on_plan, patient_client):
    report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = patient_client.post(
            reverse("journal:evening", args=[TONIGHT]),
            {"submission_id": str(uuid.uuid4()), "dose": "3", "taken_at": "2026-11-26T19:45"},
        )
        assert response.status_code == 302
        html = patient_client.get(HOME).content.decode()
    entry = NightlyEntry.objects.get(patient=on_plan, night=TONIGHT)
    assert entry.is_taken
    assert str(entry.dose_mg) == "3.00"
    assert "Wait for your clinician" in html  # still waiting for the answer
    assert "I already took tonight" not in html


@pytest.mark.django_db
def test_a_report_while_another_is_open_keeps_both_and_is_one_pause(
    on_plan, patient_client, clinician_a
):
    first = report(on_plan)
    second = report(on_plan, now=NOW + timedelta(minutes=20), severity="moderate")
    assert UrgentReport.objects.filter(patient=on_plan).open().count() == 2
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        html = patient_client.get(HOME).content.decode()
    assert html.count("Wait for your clinician") == 1
    assert "2 reports open" in html
    urgent.acknowledge(first, clinician_a, "Seen the first.", NOW + timedelta(minutes=31))
    with time_machine.travel(NOW + timedelta(minutes=32), tick=False):
        assert "Wait for your clinician" in patient_client.get(HOME).content.decode()
    urgent.acknowledge(second, clinician_a, "Seen both.", NOW + timedelta(minutes=33))
    with time_machine.travel(NOW + timedelta(minutes=34), tick=False):
        assert "Wait for your clinician" not in patient_client.get(HOME).content.decode()


@pytest.mark.django_db
def test_continue_as_planned_brings_back_the_card_with_the_note(answer_from_the_clinic):
    html = answer_from_the_clinic("continue", "A racing heart can pass; take tonight's dose.")
    assert "Taken now" in html
    assert "Wait for your clinician" not in html
    assert "Your clinician answered: continue as planned." in html
    assert "A racing heart can pass; take tonight&#x27;s dose." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "decision", "said"),
    [
        ("en-gb", "hold", "Your clinician answered: hold the plan."),
        ("en-gb", "continue", "Your clinician answered: continue as planned."),
        ("de", "hold", "Ihre behandelnde Person hat geantwortet: den Plan pausieren."),
        ("de", "continue", "Ihre behandelnde Person hat geantwortet: wie geplant fortfahren."),
        ("es", "hold", "Su profesional sanitario ha respondido: poner el plan en pausa."),
    ],
)
def test_the_answer_on_the_card_is_a_whole_sentence_so_german_nouns_keep_their_capital(
    on_plan, patient_client, clinician_a, language, decision, said
):
    """The card lowercased the decision's label into the sentence, so German read
    "... hat geantwortet: plan pausieren." (found by QA)."""
    on_plan.user.language = language
    on_plan.user.save(update_fields=["language"])
    urgent.acknowledge(
        report(on_plan), clinician_a, "", NOW + timedelta(minutes=15), decision=decision
    )
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        html = patient_client.get(HOME).content.decode()
    assert said in html


@pytest.mark.django_db
def test_hold_the_plan_shows_the_hold_and_the_note_on_the_card(
    on_plan, answer_from_the_clinic, clinician_a
):
    html = answer_from_the_clinic("hold", "Stop for now; I will call you.")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert (version.kind, version.hold_from, version.author) == ("hold", TONIGHT, clinician_a)
    assert "Your clinician answered: hold the plan." in html
    assert "Paused by your clinician — do not take LDN" in html
    assert "Stop for now; I will call you." in html
    assert "Taken now" not in html


@pytest.mark.django_db
def test_hold_the_plan_starts_from_the_next_night_without_a_dose(on_plan, clinician_a):
    log_evening(on_plan, TONIGHT, dose="3", at=NOW - timedelta(minutes=5))
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert version.hold_from == TONIGHT + timedelta(days=1)


def holiday_hold(patient, author, hold_from, hold_until, signed_at, **restart):
    """A hold signed by the clinician before the report, as the plan page signs one (with
    ``restart``, the restart signed after it: journal_support.sign_hold)."""
    return sign_hold(
        patient,
        author,
        hold_from,
        hold_until,
        signed=signed_at,
        reason="Holiday",
        patient_note="No LDN over the holiday.",
        **restart,
    )


def held_open_ended_from(patient, night):
    """On hold on ``night`` and every night after it, with no restart signed."""
    plan = plans.load(patient)
    return plan.status_on(night) == titration.ON_HOLD and plan.held_until(night) is None


@pytest.mark.django_db
def test_hold_the_plan_holds_tonight_when_a_dated_hold_is_only_signed_for_later(
    on_plan, answer_from_the_clinic, clinician_a
):
    # A holiday hold signed in advance (20-25 Dec): tonight the plan is active, and the
    # clinician's "hold" left it so every night until the 20th (and after the 25th).
    holiday_hold(
        on_plan, clinician_a, date(2026, 12, 20), date(2026, 12, 25), NOW - timedelta(days=1)
    )
    html = answer_from_the_clinic("hold", "Stop for now; I will call you.")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert (version.number, version.kind, version.author) == (3, "hold", clinician_a)
    assert (version.hold_from, version.hold_until) == (TONIGHT, None)
    assert held_open_ended_from(on_plan, TONIGHT)
    assert plans.load(on_plan).status_on(date(2026, 12, 26)) == titration.ON_HOLD
    assert "Paused by your clinician — do not take LDN" in html
    assert "Taken now" not in html


@pytest.mark.django_db
def test_hold_the_plan_holds_tonight_when_an_open_ended_hold_is_only_signed_for_later(
    on_plan, clinician_a
):
    holiday_hold(on_plan, clinician_a, TONIGHT + timedelta(days=3), None, NOW - timedelta(days=1))
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert (version.number, version.hold_from, version.hold_until) == (3, TONIGHT, None)
    assert held_open_ended_from(on_plan, TONIGHT)


@pytest.mark.django_db
def test_hold_the_plan_outlasts_a_dated_hold_running_tonight(on_plan, clinician_a):
    # On hold 24-30 Nov: the clinician's hold is open-ended, so 1 Dec stays on hold.
    holiday_hold(
        on_plan, clinician_a, date(2026, 11, 24), date(2026, 11, 30), NOW - timedelta(days=3)
    )
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert (version.number, version.kind, version.hold_from, version.hold_until) == (
        3,
        "hold",
        TONIGHT,
        None,
    )
    assert held_open_ended_from(on_plan, TONIGHT)
    assert plans.load(on_plan).status_on(date(2026, 12, 1)) == titration.ON_HOLD


@pytest.mark.django_db
def test_hold_the_plan_after_tonights_dose_outlasts_a_dated_hold_from_tomorrow(
    on_plan, clinician_a
):
    holiday_hold(
        on_plan, clinician_a, date(2026, 11, 24), date(2026, 11, 30), NOW - timedelta(days=3)
    )
    log_evening(on_plan, TONIGHT, dose="3", at=NOW - timedelta(minutes=5))
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    version = PlanVersion.objects.filter(prescription__patient=on_plan).latest("number")
    assert (version.number, version.hold_from, version.hold_until) == (
        3,
        TONIGHT + timedelta(days=1),
        None,
    )
    assert held_open_ended_from(on_plan, TONIGHT + timedelta(days=1))


@pytest.mark.django_db
def test_hold_the_plan_signs_nothing_when_an_open_ended_hold_is_already_running(
    on_plan, clinician_a
):
    holiday_hold(on_plan, clinician_a, date(2026, 11, 24), None, NOW - timedelta(days=3))
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    assert PlanVersion.objects.filter(prescription__patient=on_plan).count() == 2
    made.refresh_from_db()
    assert made.ack_decision == "hold"
    assert held_open_ended_from(on_plan, TONIGHT)


@pytest.mark.django_db
def test_hold_the_plan_after_tonights_dose_signs_nothing_over_an_open_ended_hold_from_tomorrow(
    on_plan, clinician_a
):
    # Asked of tonight (logged, active), it signed a hold from tomorrow that changes nothing,
    # which save_version refuses: the acknowledgement failed.
    holiday_hold(on_plan, clinician_a, TONIGHT + timedelta(days=1), None, NOW - timedelta(days=1))
    log_evening(on_plan, TONIGHT, dose="3", at=NOW - timedelta(minutes=5))
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    assert PlanVersion.objects.filter(prescription__patient=on_plan).count() == 2
    made.refresh_from_db()
    assert made.acknowledged_at is not None


@pytest.mark.django_db
def test_hold_the_plan_replaces_a_restart_signed_after_a_running_hold(on_plan, clinician_a):
    # Held since the 24th with a restart signed for 1 Dec: the clinician's hold cancels it.
    holiday_hold(
        on_plan,
        clinician_a,
        date(2026, 11, 24),
        None,
        NOW - timedelta(days=3),
        restart_on=date(2026, 12, 1),
        restart_signed=NOW - timedelta(hours=1),
        restart_reason="Restart",
    )
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    assert PlanVersion.objects.filter(prescription__patient=on_plan).count() == 4
    assert held_open_ended_from(on_plan, TONIGHT)


@pytest.mark.django_db
def test_an_unknown_decision_is_refused_and_nothing_is_acknowledged(on_plan, clinician_client):
    made = report(on_plan)
    response = clinician_client.post(
        reverse("clinic:urgent_acknowledge", args=[made.pk]),
        {"note": "Hmm", "decision": "stop_everything"},
    )
    assert response.status_code == 400
    assert "Choose “continue as planned” or “hold the plan”." in response.content.decode()
    made.refresh_from_db()
    assert made.acknowledged_at is None


@pytest.mark.django_db
def test_the_patient_sees_which_decision_on_their_report(on_plan, patient_client, clinician_a):
    made = report(on_plan)
    urgent.acknowledge(made, clinician_a, "Stop.", NOW + timedelta(minutes=5), decision="hold")
    html = patient_client.get(reverse("journal:urgent_detail", args=[made.pk])).content.decode()
    assert "Hold the plan." in html
    assert "Your plan is on hold" in html


# --- My plan, the dashboard -------------------------------------------------------------------


@pytest.mark.django_db
def test_my_plan_says_to_wait_while_a_report_is_open(on_plan, patient_client):
    report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        html = patient_client.get(reverse("journal:plan")).content.decode()
    assert "Wait for your clinician" in html


@pytest.mark.django_db
def test_the_dashboard_flag_links_to_the_open_report(on_plan, clinician_client):
    made = report(on_plan)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        html = clinician_client.get(reverse("clinic:patients")).content.decode()
    assert f'href="{reverse("clinic:urgent_report", args=[made.pk])}"' in html
    assert "Urgent report" in html


# --- Redis down ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_the_report_pause_and_guidance_work_and_alerts_wait_for_the_sweep(
    on_plan, patient_client, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(ids):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "enqueue_deliveries", broker_down)
    data = {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["racing_heart"],
        "since": "within_hour",
        "severity": "severe",
    }
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = patient_client.post("/journal/reaction/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your report was sent" in html
    assert 'href="tel:999"' in html
    made = UrgentReport.objects.get(patient=on_plan)
    assert set(made.deliveries.values_list("status", flat=True)) == {Status.PENDING}
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert "Wait for your clinician" in patient_client.get(HOME).content.decode()
    assert due_kinds(on_plan, REMINDER_TIME) == []
    later = NOW + reminders.requeue_after() + timedelta(seconds=1)
    pending = sorted(made.deliveries.values_list("pk", flat=True))
    assert sorted(reminders.stale_deliveries(later)) == pending


# --- The guidance kept offline ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_guidance_the_phone_keeps_has_the_numbers_and_no_health_details(
    on_plan, patient_client
):
    made = report(on_plan)
    html = patient_client.get(reverse("journal:urgent_guidance")).content.decode()
    assert 'href="tel:999"' in html
    assert "If your report cannot be sent" in html
    assert f"/journal/reaction/{made.pk}/" not in html
    assert "Racing heart" not in html


@pytest.mark.django_db
def test_the_guidance_pages_ask_the_service_worker_to_keep_the_guidance(patient_client):
    html = patient_client.get(reverse("journal:urgent_report")).content.decode()
    assert 'src="/static/js/urgent-offline.js"' in html
    assert 'data-guidance-url="/journal/reaction/guidance/"' in html
