"""What a morning doser (a plan whose dosing time is morning) meets on the journal's pages,
the reminders and the clinic: found by a QA round after morning dosing shipped."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from patients.clinic import dashboard
from patients.models import NightlyEntry, Patient, ReminderDelivery
from patients.notifications import sweep
from patients.notifications.digest import new_flags_for_clinician
from patients.notifications.outbox import send_delivery
from patients.notifications.renderers import ReminderRenderer
from patients.rules.flags import QUIET
from patients.rules.schedule import (
    RECHECK_AT_LEAST_EVERY,
    Prefs,
    nights_around,
    slots_for_night,
)
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.reminder_support import log_evening, patient_on_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
FIRST_EVENING = date(2026, 11, 25)


def sid():
    return str(uuid.uuid4())


@pytest.fixture
def switching_to_evenings(patient_a, clinician_a):
    """A morning doser whose clinician signed evening dosing from 25 November (London, GMT)."""
    prescription = make_plan(patient_a, clinician_a, dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", FIRST_EVENING, reason="Nausea")
    return prescription


def test_a_dose_taken_now_on_the_morning_of_the_switch_to_evenings_can_be_corrected(
    patient_client, switching_to_evenings
):
    """09:15 on the first evening night's day: "Taken now" files it under that night (the
    morning night before it ended at midnight), and the dose form for that night accepts the
    same time: it refused it ("must be during this night", which began at noon)."""
    at = datetime(2026, 11, 25, 9, 15, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
        entry = NightlyEntry.objects.get()
        assert (entry.night, entry.taken_at) == (FIRST_EVENING, at)
        response = patient_client.post(
            reverse("journal:evening", args=[FIRST_EVENING]),
            {"submission_id": sid(), "dose": "1.5", "taken_at": "2026-11-25T09:10"},
        )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.taken_at == datetime(2026, 11, 25, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize("dosing_time", ["morning", "evening"])
def test_the_missed_dose_follow_up_links_to_the_missed_night_not_to_todays_card(
    dosing_time, settings
):
    """Sent the next morning, the follow-up ("Open yesterday's entry") opened the home card,
    which for a morning doser is already today's: the missed day was not on it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    patient_on_plan(dosing_time=dosing_time, start=date(2026, 1, 10), user__email="m@example.org")
    missed = date(2026, 1, 15)
    at = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    claimed = sweep.sweep(at, dispatch=lambda ids: None).claimed
    [follow_up] = ReminderDelivery.objects.filter(pk__in=claimed, kind=ReminderDelivery.Kind.MISSED)
    assert follow_up.night == missed
    with time_machine.travel(at, tick=False):
        assert send_delivery(follow_up.pk) == ReminderDelivery.Status.SENT
    [message] = mail.outbox
    path = reverse("journal:night", args=[missed])
    assert path in message.body
    assert "#tonight-title" not in message.body
    rendered = ReminderRenderer().render(follow_up, follow_up.due_at)
    assert rendered.push["url"] == path


def test_a_morning_doser_who_joined_six_mornings_ago_has_not_gone_quiet(patient_a, clinician_a):
    """Joined at 09:00 on 19 November, on morning dosing: that is the night of the 19th.
    Read as an evening doser's (before noon: the 18th) it made seven silent nights by the
    25th, and the list and the patient page raised "no entry for 7 nights" a day early."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    Patient.objects.filter(pk=patient_a.pk).update(
        created_at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    )
    patient_a.refresh_from_db()
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    page = dashboard.patient_page(patient_a, [clinician_a], now)
    [row] = dashboard.patient_rows(clinician_a, now)
    assert QUIET not in {flag.kind for flag in page.flags}
    assert QUIET not in {flag.kind for flag in row.flags}


def test_a_morning_dosers_flag_from_yesterdays_dose_is_in_this_mornings_digest(clinician_a):
    """The digest at 07:30 counts the nights from the last digest's to this one's. Yesterday
    morning's dose is a whole night for a morning doser by then; read as an evening doser's
    night, it waited for tomorrow's digest."""
    patient = patient_on_plan(
        dosing_time="morning", start=date(2026, 1, 1), clinicians=[clinician_a]
    )
    for day in range(1, 14):
        log_evening(patient, date(2026, 1, day), at=datetime(2026, 1, day, 8, 0, tzinfo=UTC))
    log_evening(patient, date(2026, 1, 14), dose="3.0", at=datetime(2026, 1, 14, 8, 0, tzinfo=UTC))
    due = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    [(found, labels)] = new_flags_for_clinician(clinician_a, due - timedelta(days=1), due)
    assert found == patient
    assert labels


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney", "America/New_York"])
@pytest.mark.parametrize("morning_time", [time(5, 0), time(9, 0), time(11, 45)])
def test_the_nights_a_sweep_reads_hold_every_reminder_due_soon_for_either_dosing_time(
    dosing_time, zone, morning_time
):
    """schedule.nights_around reads nights as an evening doser's for everyone (see its
    docstring): every slot due or still useful now, or due before the next look, is on one
    of its three nights, hour by hour over days with a clock change (Sydney, 5 April)."""
    prefs = Prefs(tz=zone, morning_time=morning_time, reminder_time=time(21, 0))
    start = datetime(2026, 4, 3, 0, 0, tzinfo=UTC)
    for step in range(4 * 24 * 4):
        now = start + timedelta(minutes=15 * step)
        around = nights_around(now, zone)
        local = now.astimezone(ZoneInfo(zone)).date()
        for night in (local + timedelta(days=offset) for offset in range(-3, 3)):
            for slot in slots_for_night(prefs, night, dosing_time):
                useful = slot.due_at <= now < slot.expires_at
                soon = now < slot.due_at <= now + RECHECK_AT_LEAST_EVERY
                if useful or soon:
                    assert night in around, (now, slot)


def test_a_morning_dosers_home_asks_about_yesterdays_dose_until_noon(
    patient_client, patient_a, clinician_a
):
    """The sleep after yesterday morning's dose ends this morning: the check-in is for
    yesterday's night, as for an evening doser (nights.checkin_night), and the reminder
    for it is useful until the same noon."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    morning = reverse("journal:morning", args=[date(2026, 11, 24)])
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), tick=False):
        response = patient_client.get(HOME)
    assert response.context["tonight"] == date(2026, 11, 25)
    assert response.context["checkin_night"] == date(2026, 11, 24)
    assert morning in response.content.decode()
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        assert patient_client.get(HOME).context["checkin_night"] is None


SETTINGS = reverse("journal:settings")


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_morning_dosers_settings_page_says_what_is_sent_and_when(
    patient_client, patient_a, clinician_a, language
):
    """The page said "We remind you only when tonight's dose is not logged yet" and offered
    evening times, which do nothing for a morning doser (schedule.slots_for_night)."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.user.language = language
    patient_a.user.save()
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False):
        response = patient_client.get(SETTINGS)
    form = response.context["form"]
    page = response.content.decode()
    with translation.override(language):
        assert escape(form.morning_reminders()) in page
        assert escape(gettext("Not used while you take your dose in the morning.")) in page
        assert escape(gettext("Dose reminder and morning check-in at")) in page
        tonight = gettext(
            "We remind you only when tonight's dose is not logged yet, and never while "
            "your plan is paused."
        )
        assert "120" in form["last_call"].help_text
        assert escape(form["last_call"].help_text) in page
    assert tonight not in page
    if language != "en":
        assert "morning dosing" not in page  # said in the patient's language


def test_an_evening_dosers_settings_page_is_unchanged(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(SETTINGS).content.decode()
    assert "We remind you only when tonight's dose is not logged yet" in page
    assert "morning dosing" not in page
    assert "Not used while" not in page


# --- "tonight" said to a morning doser ------------------------------------------------------

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def speaking(patient, language):
    patient.user.language = language
    patient.user.save()


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_morning_dosers_card_says_skip_today_not_skip_tonight(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    speaking(patient_a, language)
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(HOME).content.decode()
    with translation.override(language):
        assert gettext("Skip today") in page
        assert gettext("Skip tonight") not in page
        assert f"<title>{gettext('Today')}" in page
    if language != "en":
        assert "Skip today" not in page


def test_an_evening_dosers_card_still_says_skip_tonight(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    with time_machine.travel(datetime(2026, 11, 25, 22, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
    assert "Skip tonight" in page
    assert "Skip today" not in page
    assert "<title>Tonight" in page


@pytest.mark.parametrize(
    ("dosing_time", "back"), [("morning", "Back to today"), ("evening", "Back to tonight")]
)
def test_the_urgent_pages_lead_back_to_today_or_tonight_by_the_dosing_time(
    patient_client, patient_a, clinician_a, dosing_time, back
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(AT_09, tick=False):
        pages = [
            patient_client.get(reverse(name)).content.decode()
            for name in ("journal:urgent_report", "journal:urgent_guidance")
        ]
        made = urgent_report(patient_a, AT_09, severity="mild")
        pages.append(
            patient_client.get(reverse("journal:urgent_detail", args=[made.pk])).content.decode()
        )
    for page in pages:
        assert back in page


def test_a_morning_doser_waiting_for_the_clinician_is_told_to_log_todays_dose(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        urgent_report(patient_a, AT_09)
        card = patient_client.get(HOME).content.decode()
        refused = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    assert "I already took today&#x27;s dose" in card
    assert "tonight" not in card.split('id="tonight-title"')[1].split("</section>")[0]
    said = [str(message) for message in refused.context["messages"]]
    assert any("I already took today's dose" in message for message in said)


def test_a_morning_doser_hears_about_today_when_logging_twice_skipping_or_undoing(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    today = date(2026, 11, 25)
    with time_machine.travel(AT_09, tick=False):
        skip_page = patient_client.get(reverse("journal:skip", args=[today])).content.decode()
        patient_client.post(TAKEN, {"submission_id": sid()})
        again = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
        entry = NightlyEntry.objects.get()
        undone = patient_client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()}, follow=True
        )
    assert "Why are you skipping today&#x27;s dose?" in skip_page
    assert "Today's dose was already logged; nothing was changed." in [
        str(m) for m in again.context["messages"]
    ]
    assert "Undone: today's dose is not logged." in [str(m) for m in undone.context["messages"]]


def test_a_morning_dosers_quiet_hours_warning_is_about_the_morning_dose_reminder(
    patient_a, clinician_a, client
):
    """Quiet 20:00 to 09:30, morning time 08:00: the page warned that no evening reminder
    could reach them (reminders it says they do not get) and said nothing of the morning
    dose reminder quiet hours hold until 09:30 (found in review)."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    Patient.objects.filter(pk=patient_a.pk).update(
        quiet_start=time(20, 0),
        quiet_end=time(9, 30),
        morning_time=time(8, 0),
        morning_checkin=False,
    )
    client.force_login(patient_a.user)
    [warning] = client.get(reverse("journal:settings")).context["quiet_warnings"]
    assert "Your dose reminder at 08:00 is inside your quiet hours (20:00 to 09:30)" in warning
    assert "evening" not in warning
    assert "check-in" not in warning  # not asked for: nothing held back


def _checkin_slot(patient):
    prefs = Prefs(
        tz="UTC",
        morning_time=patient.morning_time,
        quiet_start=patient.quiet_start,
        quiet_end=patient.quiet_end,
    )
    slots = slots_for_night(prefs, date(2026, 1, 15), "morning")
    return next((slot for slot in slots if slot.kind == ReminderDelivery.Kind.MORNING), None)


def test_a_morning_dosers_quiet_hours_warning_names_the_morning_check_in_they_hold_back_too(
    patient_a, clinician_a, client
):
    """The morning check-in comes at the morning time with the next day's dose reminder
    (slots_for_night), so quiet hours hold it back too: the warning named the dose reminder
    alone."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    Patient.objects.filter(pk=patient_a.pk).update(
        quiet_start=time(20, 0), quiet_end=time(9, 30), morning_time=time(8, 0)
    )
    patient_a.refresh_from_db()
    assert patient_a.morning_checkin
    # What the sweep does: the check-in waits until the end of quiet hours.
    assert _checkin_slot(patient_a).due_at.time() == time(9, 30)
    client.force_login(patient_a.user)
    [warning] = client.get(reverse("journal:settings")).context["quiet_warnings"]
    assert (
        "Your dose reminder and morning check-in at 08:00 are inside your quiet hours "
        "(20:00 to 09:30), so they wait until 09:30." in warning
    )


def test_quiet_hours_past_noon_warn_a_morning_doser_that_no_check_in_reminder_comes(
    patient_a, clinician_a, client
):
    """Quiet until 12:30: the dose reminder waits, the check-in (open until noon) is not
    sent at all; saying it waits would be wrong."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    Patient.objects.filter(pk=patient_a.pk).update(
        quiet_start=time(20, 0), quiet_end=time(12, 30), morning_time=time(8, 0)
    )
    patient_a.refresh_from_db()
    assert _checkin_slot(patient_a) is None
    client.force_login(patient_a.user)
    [warning, last_call] = client.get(reverse("journal:settings")).context["quiet_warnings"]
    assert "the dose reminder waits until 12:30, and no morning check-in reminder" in warning
    assert "they wait" not in warning
    assert last_call.startswith("Your last call at 10:00 is inside your quiet hours")


def test_a_signed_switch_to_mornings_warns_that_quiet_hours_will_hold_the_morning_reminders(
    patient_client, patient_a, clinician_a
):
    """An evening doser whose quiet hours (23:00 to 09:30) leave the 21:00 reminder alone,
    with a switch to mornings signed for the 26th: the warning looked at tonight's dosing
    time only, so the 08:00 morning reminder quiet hours will hold was not mentioned. Until
    then they hold the evening nights' 08:00 check-in (said first)."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 20))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 26), reason="Sleep")
    Patient.objects.filter(pk=patient_a.pk).update(
        quiet_start=time(23, 0), quiet_end=time(9, 30), morning_time=time(8, 0), last_call=False
    )
    with time_machine.travel(datetime(2026, 11, 21, 22, 0, tzinfo=UTC), tick=False):
        response = patient_client.get(SETTINGS)
    warnings = response.context["quiet_warnings"]
    assert warnings == [
        "Until the night of Wednesday 25 November, while your plan has evening dosing: "
        "your morning check-in reminder at 08:00, or the reminder to log last night's dose "
        "when nothing was logged, is inside your quiet hours (23:00 to 09:30), so it waits "
        "until 09:30. Move your morning check-in time or the quiet hours if you want it "
        "earlier.",
        "From Thursday 26 November, when your plan changes to morning dosing: your dose "
        "reminder and morning check-in at 08:00 are inside your quiet hours (23:00 to 09:30), "
        "so they wait until 09:30. Move your morning time or the quiet hours if you want "
        "them earlier.",
    ]
    for warning in warnings:  # each its own paragraph
        assert f"<p>{escape(warning)}</p>" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "start", "said"),
    [
        (
            "en",
            "From Wednesday 25 November, when your plan changes to evening dosing: ",
            "your evening reminder at 21:00 is inside your quiet hours (20:00 to 22:00), so it "
            "waits until 22:00. Move the reminder or the quiet hours if you want it earlier.",
        ),
        (
            "de",
            "Ab Mittwoch, 25. November, wenn Ihr Plan auf abendliche Einnahme wechselt: ",
            "Ihre Abend-Erinnerung um 21:00 liegt in Ihren Ruhezeiten (20:00 bis 22:00) und "
            "wartet daher bis 22:00. Verschieben Sie die Erinnerung oder die Ruhezeiten, wenn "
            "Sie sie früher möchten.",
        ),
        (
            "es",
            "A partir del miércoles 25 de noviembre, cuando su plan pase a la toma por la noche: ",
            "su recordatorio de la noche a las 21:00 cae dentro de sus horas de silencio (de "
            "20:00 a 22:00), así que espera hasta las 22:00. Mueva el recordatorio o las horas "
            "de silencio si lo quiere antes.",
        ),
    ],
)
def test_a_signed_switch_to_evenings_warns_that_quiet_hours_will_hold_the_evening_reminder(
    patient_client, patient_a, switching_to_evenings, language, start, said
):
    """Quiet 20:00 to 22:00 holds nothing of a morning doser's 08:00 reminders today, but
    the 21:00 evening reminder from the switch on the 25th. After the colon the sentence
    goes on in lower case in English and Spanish ("...: Your evening reminder" read as two
    sentences run together); German keeps its capitalised noun."""
    speaking(patient_a, language)
    Patient.objects.filter(pk=patient_a.pk).update(
        quiet_start=time(20, 0), quiet_end=time(22, 0), morning_time=time(8, 0)
    )
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        [warning] = patient_client.get(SETTINGS).context["quiet_warnings"]
    assert warning == start + said


def test_no_quiet_hours_warning_about_a_switch_whose_dosing_time_they_leave_alone(
    patient_client, patient_a, switching_to_evenings
):
    Patient.objects.filter(pk=patient_a.pk).update(quiet_start=time(23, 45), quiet_end=time(6, 0))
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        warning = patient_client.get(SETTINGS).context["quiet_warnings"]
    assert warning == []


# --- the clinician's night page names the night's dosing time -------------------------------


@pytest.mark.parametrize(
    ("language", "morning", "evening"), [("en", "Morning", "Evening"), ("de", "Morgen", "Abend")]
)
def test_the_clinicians_night_page_names_the_dosing_time_of_that_night(
    clinician_client, clinician_a, patient_a, language, morning, evening
):
    """Switched to morning dosing from 22 November, the patient tapped Taken now on the
    25th: the clinician's night page said "Evening: 1.5 mg taken". The night before the
    switch is still an evening."""
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22), reason="Sleep")
    NightlyEntry.objects.create(
        patient=patient_a,
        night=date(2026, 11, 20),
        status="taken",
        dose_mg="1.5",
        prescribed_mg="1.5",
        taken_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
        time_zone="Europe/London",
    )
    phone = Client()
    phone.force_login(patient_a.user)
    clinician_a.language = language
    clinician_a.save()
    with time_machine.travel(AT_09, tick=False):
        phone.post(TAKEN, {"submission_id": sid()})
        assert NightlyEntry.objects.filter(night=date(2026, 11, 25)).exists()
        pages = {
            night: clinician_client.get(
                reverse("clinic:night", args=[patient_a.pk, night.isoformat()])
            ).content.decode()
            for night in (date(2026, 11, 25), date(2026, 11, 20))
        }
    assert f"<dt>{morning}</dt>" in pages[date(2026, 11, 25)]
    assert f"<dt>{evening}</dt>" not in pages[date(2026, 11, 25)]
    assert f"<dt>{evening}</dt>" in pages[date(2026, 11, 20)]
    assert f"<dt>{morning}</dt>" not in pages[date(2026, 11, 20)]


# --- "night" on a morning doser's skip page, dose form and card -----------------------------


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_morning_dosers_skip_page_and_dose_form_say_day_not_night(
    patient_client, patient_a, clinician_a, language
):
    """The skip page's title was "Skip this night" and the dose form offered "Skip this night
    instead" to a patient who doses in the morning."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    speaking(patient_a, language)
    today = date(2026, 11, 25)
    with time_machine.travel(AT_09, tick=False):
        skip_page = patient_client.get(reverse("journal:skip", args=[today])).content.decode()
        dose_page = patient_client.get(reverse("journal:evening", args=[today])).content.decode()
    with translation.override(language):
        assert f'<h1 class="page-title">{gettext("Skip today")}</h1>' in skip_page
        assert escape(gettext("Your clinician sees skipped days and the reason.")) in skip_page
        assert escape(gettext("Skip this day instead")) in dose_page
        for night in ("Skip tonight", "Your clinician sees skipped nights and the reason."):
            assert escape(gettext(night)) not in skip_page
        assert escape(gettext("Skip this night instead")) not in dose_page


def test_an_evening_dosers_skip_page_and_dose_form_still_say_night(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    tonight = date(2026, 11, 25)
    with time_machine.travel(datetime(2026, 11, 25, 22, 0, tzinfo=UTC), tick=False):
        skip_page = patient_client.get(reverse("journal:skip", args=[tonight])).content.decode()
        dose_page = patient_client.get(reverse("journal:evening", args=[tonight])).content.decode()
    assert '<h1 class="page-title">Skip tonight</h1>' in skip_page
    assert "Your clinician sees skipped nights and the reason." in skip_page
    assert "Skip this night instead" in dose_page
    assert "Skip today" not in skip_page
    assert "skipped days" not in skip_page
    assert "Skip this day" not in dose_page


@pytest.mark.parametrize(
    ("dosing_time", "see"), [("morning", "See this day"), ("evening", "See this night")]
)
def test_the_logged_card_links_to_the_day_or_the_night_by_the_dosing_time(
    patient_client, patient_a, clinician_a, dosing_time, see
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    at = AT_09 if dosing_time == "morning" else datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
        page = patient_client.get(HOME).content.decode()
    assert see in page
    assert ({"See this day", "See this night"} - {see}).pop() not in page


def test_a_morning_doser_past_the_window_is_asked_when_about_today_not_the_night(
    patient_client, patient_a, clinician_a
):
    """After the morning window (14:00) the card asks when the dose was taken: it spoke of
    "the night's dosing window", and so did the message of a refused Taken now."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
        refused = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    assert "It is past today's dosing window, so we do not use the time now." in page
    assert "night's dosing window" not in page
    said = " ".join(str(message) for message in refused.context["messages"])
    assert "It is past today's dosing window, so the time now would be wrong." in said
    assert "night's dosing window" not in said


# --- the settings page before a switch of dosing time ---------------------------------------


@pytest.mark.parametrize(
    ("language", "day"),
    [
        ("en", "Wednesday 25 November"),
        ("de", "Mittwoch, 25. November"),
        ("es", "miércoles 25 de noviembre"),
    ],
)
def test_a_morning_dosers_settings_page_says_when_evening_dosing_begins(
    patient_client, patient_a, switching_to_evenings, language, day
):
    """The day before the switch to evenings the reminders section said only "Not used while
    you take your dose in the morning" under the evening times."""
    speaking(patient_a, language)
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        response = patient_client.get(SETTINGS)
    form = response.context["form"]
    page = response.content.decode()
    with translation.override(language):
        switch = gettext(
            "From %(day)s your plan changes to evening dosing: from then the dose "
            "reminder comes at your evening reminder time, the last call (if it is on) "
            "at its time, and the morning check-in at your morning time."
        ) % {"day": day}
        unused = gettext(
            "Not used while you take your dose in the morning; used from %(day)s, when your "
            "plan changes to evening dosing."
        ) % {"day": day}
        assert escape(form.morning_reminders()) in page  # still a morning doser today
    assert form.coming_switch() == switch
    assert escape(switch) in page
    assert page.count(escape(unused)) == 2  # the evening reminder and the last call


def test_an_evening_dosers_settings_page_says_when_morning_dosing_begins(
    patient_client, patient_a, clinician_a
):
    """A step on 23 November comes first: the switch on the 26th is still announced."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 3), ("3", None)), start=date(2026, 11, 20))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 26), reason="Sleep")
    with time_machine.travel(datetime(2026, 11, 21, 22, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(SETTINGS).content.decode()
    assert "We remind you only when tonight's dose is not logged yet" in page
    assert (
        "From Thursday 26 November your plan changes to morning dosing: from then the dose "
        "reminder and the morning check-in come at your morning time" in page
    )
    assert "Not used while" not in page


def test_a_morning_dosers_settings_page_says_no_switch_when_none_is_planned(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(SETTINGS).content.decode()
    assert "your plan changes to" not in page
    assert page.count("Not used while you take your dose in the morning.") == 2


@pytest.mark.parametrize(("language", "word"), [("en", "day"), ("de", "Tag"), ("es", "día")])
def test_a_morning_dosers_dose_time_outside_the_day_is_refused_in_words_of_the_day(
    patient_client, patient_a, clinician_a, language, word
):
    """A time the evening before was refused with "must be during this night: from Wed 25
    Nov, 00:00 to Thu 26 Nov, 00:00"."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    speaking(patient_a, language)
    with time_machine.travel(AT_09, tick=False):
        response = patient_client.post(
            reverse("journal:evening", args=[date(2026, 11, 25)]),
            {"submission_id": sid(), "dose": "1.5", "taken_at": "2026-11-24T22:00"},
        )
    errors = " ".join(response.context["form"].errors["taken_at"])
    with translation.override(language):
        day = gettext("The time taken must be during this day: from %(start)s to %(end)s.")
    assert day.split(":")[0] in errors
    assert word in errors
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize(
    ("dosing_time", "nothing"),
    [
        ("morning", "Nothing was logged for this day."),
        ("evening", "Nothing was logged for this night."),
    ],
)
def test_the_patients_page_of_a_day_with_nothing_logged_says_day_or_night(
    patient_client, patient_a, clinician_a, dosing_time, nothing
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(reverse("journal:night", args=[date(2026, 11, 20)]))
    assert nothing in page.content.decode()
