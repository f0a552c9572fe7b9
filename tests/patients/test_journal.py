"""The nightly journal through its real pages: tonight card, Taken now, undo, forms, history."""

import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.journal import entries as journal
from patients.models import NightlyEntry, SideEffect, Submission, SymptomScale
from prescriptions.models import Formulation
from tests.factories import PatientFactory, UserFactory
from tests.patients.journal_dose_support import BAD_DOSES
from tests.patients.journal_support import NOW, TONIGHT, a_year_of_nights, make_plan

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def sid():
    return str(uuid.uuid4())


def evening_url(night=TONIGHT):
    return reverse("journal:evening", args=[night])


def evening_data(**overrides):
    data = {"submission_id": sid(), "dose": "1.5", "taken_at": "2026-11-25T21:30", "bedtime": ""}
    data.update(overrides)
    return data


# --- Tonight card ---------------------------------------------------------------------------


def test_home_shows_tonights_prescribed_dose_with_one_taken_now_button(patient_client, plan):
    page = patient_client.get(HOME).content.decode()
    assert "1.5" in page
    assert "Taken now" in page
    assert "Different dose or time" in page
    assert "Skip tonight" in page


def test_home_for_a_liquid_shows_the_volume_to_draw(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, formulation=Formulation.LIQUID, concentration=Decimal("1"))
    page = patient_client.get(HOME).content.decode()
    assert "1.5 mg = <strong>1.5 mL</strong>" in page


def test_home_on_hold_says_do_not_take_and_offers_no_taken_button(
    patient_client, patient_a, clinician_a
):
    make_plan(
        patient_a,
        clinician_a,
        hold_from=date(2026, 11, 20),
        patient_note="Paused for your operation.",
    )
    page = patient_client.get(HOME).content.decode()
    assert "Paused by your clinician — do not take LDN" in page
    assert "Paused for your operation." in page
    assert "Taken now" not in page


def test_taken_now_is_refused_while_the_plan_is_on_hold(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, hold_from=date(2026, 11, 20))
    response = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    assert "No dose is prescribed tonight" in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_home_without_a_plan_says_so(patient_client):
    page = patient_client.get(HOME).content.decode()
    assert "has not set up a dosing plan" in page
    assert "Taken now" not in page


def test_taken_now_stores_the_prescribed_dose_at_the_current_time(patient_client, plan, patient_a):
    response = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    entry = NightlyEntry.objects.get()
    assert (entry.patient, entry.night, entry.status) == (patient_a, TONIGHT, "taken")
    assert entry.dose_mg == entry.prescribed_mg == Decimal("1.5")
    assert entry.taken_at == NOW
    page = response.content.decode()
    assert "Logged: 1.5 mg at 22:00" in page
    assert "Undo" in page
    assert "Add bedtime" in page


def test_a_dose_at_0130_is_filed_under_the_previous_evenings_night(patient_client, plan):
    with time_machine.travel(NOW + timedelta(hours=3, minutes=30), tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
    assert NightlyEntry.objects.get().night == TONIGHT


def test_the_same_submission_id_twice_stores_one_row_and_gives_the_same_result(
    patient_client, plan
):
    data = {"submission_id": sid()}
    first = patient_client.post(TAKEN, data)
    second = patient_client.post(TAKEN, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert NightlyEntry.objects.count() == 1
    assert Submission.objects.count() == 1


def test_a_second_taken_now_with_a_new_id_keeps_the_first_log(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        response = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    assert NightlyEntry.objects.get().taken_at == NOW
    assert "already logged" in response.content.decode()


def test_a_submission_id_reused_for_another_night_is_refused(patient_client, plan):
    reused = sid()
    patient_client.post(TAKEN, {"submission_id": reused})
    response = patient_client.post(
        evening_url(TONIGHT - timedelta(days=1)),
        evening_data(submission_id=reused, taken_at="2026-11-24T22:00"),
        follow=True,
    )
    assert "already used for another night" in response.content.decode()
    assert list(NightlyEntry.objects.values_list("night", flat=True)) == [TONIGHT]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="counts PostgreSQL's statements (compiled queries are PostgreSQL's); set DATABASE_URL",
)
def test_the_lock_of_the_night_compiled_on_first_use_adds_no_statement(
    patient_client, plan, monkeypatch
):
    """The night's lock (SELECT ... FOR UPDATE) is compiled inside a transaction, the only
    place the ORM writes FOR UPDATE; compiled on its first use in a request, that must send
    nothing (a savepoint each way did, in the bench's count)."""
    patient_client.post(TAKEN, {"submission_id": sid()})
    monkeypatch.setattr(journal._NIGHT_LOCKED, "_compiled", {})
    with CaptureQueriesContext(connection) as captured:
        assert patient_client.post(TAKEN, {"submission_id": sid()}).status_code == 302
    savepoints = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
    # The test's own transaction wraps the view's atomic block in one savepoint and its release.
    assert len(savepoints) == 2, savepoints
    assert journal._NIGHT_LOCKED._compiled  # compiled by that request


def test_a_submission_id_reused_for_another_logged_night_is_refused_and_changes_nothing(
    patient_client, plan
):
    """The other night already has an entry: the edit goes through the locked night and the
    id's claim (INSERT ... ON CONFLICT DO NOTHING), which must still see the reuse."""
    last_night = TONIGHT - timedelta(days=1)
    patient_client.post(
        evening_url(last_night), evening_data(submission_id=sid(), taken_at="2026-11-24T22:00")
    )
    before = NightlyEntry.objects.get(night=last_night)
    reused = sid()
    patient_client.post(TAKEN, {"submission_id": reused})
    response = patient_client.post(
        evening_url(last_night),
        evening_data(submission_id=reused, taken_at="2026-11-24T23:30", dose="2"),
        follow=True,
    )
    assert "already used for another night" in response.content.decode()
    after = NightlyEntry.objects.get(night=last_night)
    assert (after.taken_at, after.dose_mg, after.updated_at) == (
        before.taken_at,
        before.dose_mg,
        before.updated_at,
    )
    assert Submission.objects.get(pk=reused).entry.night == TONIGHT


def test_a_missing_or_garbled_submission_id_stores_nothing(patient_client, plan):
    for data in ({}, {"submission_id": "not-a-uuid"}):
        response = patient_client.post(TAKEN, data, follow=True)
        assert response.status_code == 200
        assert "expired" in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_undo_within_ten_minutes_clears_tonight_and_logging_again_works(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    entry = NightlyEntry.objects.get()
    undo_id = sid()
    with time_machine.travel(NOW + timedelta(minutes=9), tick=False):
        response = patient_client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": undo_id}, follow=True
        )
        assert "Taken now" in response.content.decode()
        entry.refresh_from_db()
        assert entry.status == ""
        assert entry.dose_mg is None
        assert entry.taken_at is None
        patient_client.post(TAKEN, {"submission_id": sid()})
        # The undo form replayed (back button) does not undo the new log.
        patient_client.post(reverse("journal:undo", args=[entry.pk]), {"submission_id": undo_id})
    entry.refresh_from_db()
    assert entry.status == "taken"
    assert NightlyEntry.objects.count() == 1


def test_undo_after_ten_minutes_is_refused(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    entry = NightlyEntry.objects.get()
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        response = patient_client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()}, follow=True
        )
    assert "Undo is possible for 10 minutes" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "taken"


def test_when_logged_long_ago_home_shows_the_log_and_an_edit_link(patient_client, plan):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
    page = patient_client.get(HOME).content.decode()
    assert "Undo" not in page
    assert "Edit" in page
    assert "1.5 mg at 21:00" in page


# --- Different dose or time, skip, retro entries ------------------------------------------------


def test_a_deviating_dose_is_stored_and_marked(patient_client, plan):
    patient_client.post(evening_url(), evening_data(dose="3"))
    entry = NightlyEntry.objects.get()
    assert entry.dose_mg == Decimal("3.00")
    assert entry.prescribed_mg == Decimal("1.5")
    assert entry.deviates


def test_a_liquid_dose_may_be_entered_in_ml(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, formulation=Formulation.LIQUID, concentration=Decimal("2"))
    patient_client.post(evening_url(), evening_data(dose="0.75", unit="ml"))
    assert NightlyEntry.objects.get().dose_mg == Decimal("1.50")


@pytest.mark.parametrize("dose", BAD_DOSES)
def test_a_bad_dose_is_refused_with_the_allowed_range_and_nothing_stored(
    patient_client, plan, dose
):
    response = patient_client.post(evening_url(), evening_data(dose=dose))
    assert response.status_code == 200
    assert (
        "Enter a dose between 1 and 5 mg, with at most two decimals (for example 1.5)."
        in response.content.decode()
    )
    assert not NightlyEntry.objects.exists()


def test_a_decimal_comma_is_accepted_where_the_language_uses_one(patient_client, plan):
    patient_client.post(evening_url(), evening_data(dose="3,0"), HTTP_ACCEPT_LANGUAGE="de")
    assert NightlyEntry.objects.get().dose_mg == Decimal("3.00")


@pytest.mark.parametrize(
    ("taken_at", "message"),
    [
        ("2026-11-25T22:05", "cannot be in the future"),
        ("2026-11-25T11:00", "must be during this night"),
        ("2026-11-26T13:00", "cannot be in the future"),
        ("yesterday evening", "Enter the date and time like"),
        ("", "This field is required"),
    ],
)
def test_a_bad_time_taken_is_refused_and_nothing_stored(patient_client, plan, taken_at, message):
    response = patient_client.post(evening_url(), evening_data(taken_at=taken_at))
    assert message in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_two_minutes_of_clock_skew_are_tolerated(patient_client, plan):
    patient_client.post(evening_url(), evening_data(taken_at="2026-11-25T22:01"))
    assert NightlyEntry.objects.exists()


def test_a_night_within_the_retro_window_can_be_logged(patient_client, plan):
    night = TONIGHT - timedelta(days=7)
    patient_client.post(evening_url(night), evening_data(taken_at="2026-11-19T01:30"))
    entry = NightlyEntry.objects.get()
    assert entry.night == night
    assert entry.prescribed_mg == Decimal("1.5")


def test_a_night_older_than_the_retro_window_is_read_only(patient_client, plan):
    night = TONIGHT - timedelta(days=8)
    response = patient_client.post(
        evening_url(night), evening_data(taken_at="2026-11-17T22:00"), follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_a_future_night_is_not_found(patient_client, plan):
    response = patient_client.get(evening_url(TONIGHT + timedelta(days=1)))
    assert response.status_code == 404


def test_an_impossible_date_in_the_url_is_not_found(patient_client, plan):
    assert patient_client.get("/journal/night/2026-02-30/dose/").status_code == 404


def test_skip_with_a_reason_is_stored(patient_client, plan):
    patient_client.post(
        reverse("journal:skip", args=[TONIGHT]),
        {"submission_id": sid(), "reason": "side_effects"},
    )
    entry = NightlyEntry.objects.get()
    assert (entry.status, entry.skip_reason, entry.dose_mg) == ("skipped", "side_effects", None)


def test_skip_with_reason_other_and_no_text_is_refused(patient_client, plan):
    response = patient_client.post(
        reverse("journal:skip", args=[TONIGHT]),
        {"submission_id": sid(), "reason": "other", "reason_text": "  "},
    )
    assert "Say in a few words why" in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_the_refusal_of_a_missing_other_reason_names_the_choice_as_the_form_does(
    patient_client, plan
):
    # The choice and the help text say "Other reason"; the refusal said "Other", a choice
    # the page does not have (German and Spanish named it right).
    response = patient_client.post(
        reverse("journal:skip", args=[TONIGHT]),
        {"submission_id": sid(), "reason": "other", "reason_text": ""},
    )
    assert response.context["form"].errors["reason_text"] == [
        "Say in a few words why, when the reason is “Other reason”."
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [("x" * 301, "at most 300 characters"), ("\x00late", "Null characters are not allowed")],
)
def test_an_other_reason_refused_for_its_text_is_not_also_said_to_be_missing(
    patient_client, plan, text, said
):
    # The patient wrote why; it was too long (or held a null character). The page also
    # asked them to "say in a few words why", as if they had written nothing.
    response = patient_client.post(
        reverse("journal:skip", args=[TONIGHT]),
        {"submission_id": sid(), "reason": "other", "reason_text": text},
    )
    page = response.content.decode()
    assert said in page
    assert "Say in a few words why" not in page
    assert not NightlyEntry.objects.exists()


# --- Morning check-in --------------------------------------------------------------------------


def morning_url(night=TONIGHT - timedelta(days=1)):
    return reverse("journal:morning", args=[night])


def test_the_morning_check_in_is_one_tap_from_home_until_noon(patient_client, plan):
    with time_machine.travel(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
    assert reverse("journal:morning", args=[TONIGHT]) in page
    with time_machine.travel(datetime(2026, 11, 26, 13, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
    assert "Morning check-in" not in page


def test_the_morning_check_in_stores_scores_dreams_and_side_effects(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    with time_machine.travel(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), tick=False):
        patient_client.post(
            morning_url(TONIGHT),
            {
                "submission_id": sid(),
                "sleep_quality": "6",
                "dreams": "vivid",
                "dream_intensity": "8",
                "pain": "3",
                "side_headache": "2",
            },
        )
    entry = NightlyEntry.objects.get()
    assert (entry.sleep_quality, entry.dreams, entry.dream_intensity, entry.pain) == (
        6,
        "vivid",
        8,
        3,
    )
    assert entry.status == "taken"
    assert entry.has_morning
    assert list(SideEffect.objects.values_list("kind", "severity")) == [("headache", 2)]


def test_no_dreams_keeps_no_dream_intensity_when_a_check_in_is_changed(patient_client, plan):
    """A check-in changed from "Vivid, 8" to "None" still sends the 8 (a browser cannot
    uncheck a radio): it was stored, and the night read "No dreams I remember (8 / 10)"."""
    patient_client.post(TAKEN, {"submission_id": sid()})
    with time_machine.travel(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), tick=False):
        answers = {"sleep_quality": "6", "dreams": "vivid", "dream_intensity": "8"}
        patient_client.post(morning_url(TONIGHT), {"submission_id": sid(), **answers})
        answers["dreams"] = "none"
        patient_client.post(morning_url(TONIGHT), {"submission_id": sid(), **answers})
        entry = NightlyEntry.objects.get()
        page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    assert (entry.dreams, entry.dream_intensity, entry.sleep_quality) == ("none", None, 6)
    assert "(8 / 10)" not in page


def test_the_morning_form_shows_each_scales_anchor_words(patient_client, plan):
    page = patient_client.get(morning_url()).content.decode()
    assert "No pain" in page
    assert "Worst pain imaginable" in page
    assert "Very good" in page


def test_extra_scales_appear_on_the_morning_form_and_are_stored(patient_client, plan, patient_a):
    scale = SymptomScale.objects.create(patient=patient_a, name="Brain fog")
    page = patient_client.get(morning_url()).content.decode()
    assert "Brain fog" in page
    patient_client.post(morning_url(), {"submission_id": sid(), f"scale_{scale.pk}": "4"})
    assert NightlyEntry.objects.get().extra_scores.get().value == 4


@pytest.mark.parametrize("value", ["-1", "11", "7.5", "text"])
def test_a_bad_score_is_refused_and_nothing_stored(patient_client, plan, value):
    response = patient_client.post(morning_url(), {"submission_id": sid(), "pain": value})
    assert "Choose a whole number from 0 to 10." in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_an_empty_morning_check_in_is_refused(patient_client, plan):
    response = patient_client.post(morning_url(), {"submission_id": sid()})
    assert "Fill in at least one answer" in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_notes_of_100000_characters_are_refused(patient_client, plan):
    response = patient_client.post(morning_url(), {"submission_id": sid(), "notes": "x" * 100_000})
    assert "at most 2,000 characters" in response.content.decode()
    assert not NightlyEntry.objects.exists()


OTHER_UNSAID = {
    "en": "Say in a few words what the other side effect was.",
    "de": "Sagen Sie in wenigen Worten, welche andere Nebenwirkung es war.",
    "es": "Diga en pocas palabras cuál fue el otro efecto secundario.",
}


@pytest.mark.parametrize("text", ["", "   "])
def test_an_other_side_effect_without_saying_what_it_was_is_refused_and_nothing_stored(
    patient_client, plan, text
):
    """As a skip's "Other" reason needs its words: the check-in stored "Other: moderate",
    which told the clinician nothing."""
    response = patient_client.post(
        morning_url(),
        {"submission_id": sid(), "pain": "3", "side_other": "2", "side_other_text": text},
    )
    assert OTHER_UNSAID["en"] in response.content.decode()
    assert not NightlyEntry.objects.exists()
    assert not SideEffect.objects.exists()


def test_an_other_side_effect_with_its_words_is_stored_with_them(patient_client, plan):
    patient_client.post(
        morning_url(),
        {"submission_id": sid(), "side_other": "2", "side_other_text": " Itchy skin "},
    )
    assert list(SideEffect.objects.values_list("kind", "severity", "other_text")) == [
        ("other", 2, "Itchy skin")
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [("x" * 201, "at most 200 characters"), ("\x00itch", "Null characters are not allowed")],
)
def test_an_other_side_effect_refused_for_its_words_is_not_also_said_to_be_unsaid(
    patient_client, plan, text, said
):
    response = patient_client.post(
        morning_url(), {"submission_id": sid(), "side_other": "2", "side_other_text": text}
    )
    page = response.content.decode()
    assert said in page
    assert OTHER_UNSAID["en"] not in page
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_kept_check_in_with_an_unsaid_other_side_effect_is_refused_in_the_patients_language(
    patient_client, plan, language
):
    """The phone's replay goes through the same form: refused with the sentence the phone
    shows beside the kept entry (kept there to be entered again), and nothing stored."""
    response = patient_client.post(
        morning_url(),
        {"submission_id": sid(), "acted_at": NOW.isoformat(), "side_other": "3"},
        HTTP_X_LDN_REPLAY="1",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": OTHER_UNSAID[language]}
    assert not NightlyEntry.objects.exists()
    assert not Submission.objects.exists()


def test_a_script_in_notes_is_stored_as_text_and_shown_escaped(patient_client, plan):
    patient_client.post(morning_url(), {"submission_id": sid(), "notes": "<script>x()</script>"})
    entry = NightlyEntry.objects.get()
    assert entry.notes == "<script>x()</script>"
    page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page


# --- Edit history and access -------------------------------------------------------------------


def test_an_edited_entry_shows_edited_and_its_history(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        patient_client.post(evening_url(), evening_data(dose="3", taken_at="2026-11-25T21:45"))
        entry = NightlyEntry.objects.get()
        page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    assert "edited" in page
    assert "1.5 mg → 3 mg" in page
    assert "Patient A" in page  # who changed it


def test_saving_the_same_dose_again_is_not_a_change(patient_client, plan):
    """The dose form saved again with the same values moves only the time it was logged: the
    night's page showed "First logged." twice and "edited" (found by exploratory QA)."""
    data = evening_data(dose="3", taken_at="2026-11-25T21:45")
    patient_client.post(evening_url(), data)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        patient_client.post(evening_url(), {**data, "submission_id": sid()})
        entry = NightlyEntry.objects.get()
        page = " ".join(
            patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode().split()
        )
    assert entry.history.count() == 2  # the audit trail keeps both saves
    assert [c["fields"] for c in journal.change_history(entry)] == [[]]
    assert page.count("First logged.") == 0  # no "Changes" section at all
    assert "see the changes" not in page
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        patient_client.post(evening_url(), {**data, "dose": "1.5", "submission_id": sid()})
        page = " ".join(
            patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode().split()
        )
    assert page.count("First logged.") == 1
    assert "3 mg → 1.5 mg" in page
    assert "see the changes" in page


def test_another_patients_entry_is_not_found_in_every_url(patient_client, patient_b):
    other = NightlyEntry.objects.create(patient=patient_b, night=TONIGHT)
    assert patient_client.get(reverse("journal:entry", args=[other.pk])).status_code == 404
    response = patient_client.post(
        reverse("journal:undo", args=[other.pk]), {"submission_id": sid()}
    )
    assert response.status_code == 404


def test_clinicians_do_not_reach_the_journal(clinician_client):
    assert clinician_client.get(HOME).status_code == 404


def test_a_patient_without_a_profile_gets_not_found(client):

    client.force_login(UserFactory())
    assert client.get(HOME).status_code == 404


# --- Query budgets -----------------------------------------------------------------------------


@pytest.fixture
def a_year(settings, plan, patient_a):
    # allauth's session-activity tracking adds queries to every request on its own; the
    # budgets measure the journal's pages.
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    a_year_of_nights(patient_a)


def test_the_patient_home_stays_within_five_queries(
    patient_client, patient_a, a_year, django_assert_max_num_queries
):
    # Session, user with their patient profile (one query: ldn_journal.accounts.backends),
    # plan (versions with their steps, one query), entries, and the urgent state that pauses
    # the plan.
    patient_client.get(HOME)
    with django_assert_max_num_queries(5):
        assert patient_client.get(HOME).status_code == 200
    # Push alone (no email): whether a device can take the reminders, one more (only then:
    # patients.notifications.reach).
    patient_a.remind_by_email, patient_a.remind_by_push = False, True
    patient_a.save(update_fields=["remind_by_email", "remind_by_push"])
    with django_assert_max_num_queries(6):
        assert patient_client.get(HOME).status_code == 200


@contextmanager
def at_most_queries(limit):
    """Like django_assert_max_num_queries, without the SAVEPOINT statements that exist only
    because the test runs inside its own transaction (a live request's atomic block is the
    outermost one and sends none)."""
    with CaptureQueriesContext(connection) as captured:
        yield
    sent = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sent) <= limit, f"{len(sent)} queries:\n" + "\n".join(sent)


def test_taken_now_stays_within_nine_queries(
    patient_client, a_year, django_capture_on_commit_callbacks
):
    patient_client.get(HOME)
    # Everything the POST causes counts, including what runs once it commits (the reminder
    # schedule's refresh among it). The eighth marks the clinician list's row due (one
    # UPDATE; the list's evaluation runs elsewhere, never in the patient's request); the
    # ninth reads whether an urgent report is open (no one-tap dose while one is); the tenth
    # the doses of the last hours (none minutes after another: doses.dose_too_soon). The
    # patient profile comes with the user (one query).
    with at_most_queries(9), django_capture_on_commit_callbacks(execute=True):
        assert patient_client.post(TAKEN, {"submission_id": sid()}).status_code == 302
    assert NightlyEntry.objects.filter(night=TONIGHT).exists()


def test_a_second_taken_now_goes_straight_to_the_logged_night(
    patient_client, a_year, django_capture_on_commit_callbacks
):
    # A second tap (another form, another submission id): the doses of the last hours already
    # show tonight's, so no insert is tried only to fail on the night's key and be rolled
    # back. Session, user, plan, urgent state, the doses; then the submission, the entry
    # locked, the submission recorded.
    patient_client.get(HOME)
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(TAKEN, {"submission_id": sid()})
    first = NightlyEntry.objects.get(night=TONIGHT)
    with CaptureQueriesContext(connection) as captured:
        response = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    sent = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert not [sql for sql in sent if sql.startswith('INSERT INTO "patients_nightlyentry"')]
    assert "Tonight was already logged; nothing was changed." in response.content.decode()
    again = NightlyEntry.objects.get(night=TONIGHT)
    assert (again.pk, again.taken_at, again.updated_at) == (
        first.pk,
        first.taken_at,
        first.updated_at,
    )
    assert Submission.objects.filter(entry=first).count() == 2


def test_a_dose_undone_between_the_read_and_the_write_is_logged_by_the_tap(
    patient_client, a_year, monkeypatch
):
    # The doses read say tonight is logged, but it was undone (its row kept, emptied) before
    # the write: the locked row has no dose, and the tap logs tonight's.
    patient_client.post(TAKEN, {"submission_id": sid()})
    entry = NightlyEntry.objects.get(night=TONIGHT)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        journal.undo_taken(entry, NOW + timedelta(minutes=1), sid())
    assert not NightlyEntry.objects.logged().filter(night=TONIGHT).exists()
    monkeypatch.setattr(journal, "doses_taken_lately", lambda patient, moment: [(TONIGHT, moment)])
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert patient_client.post(TAKEN, {"submission_id": sid()}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == NightlyEntry.Status.TAKEN
    assert entry.taken_at == NOW + timedelta(minutes=2)


def test_a_night_whose_row_is_gone_between_the_read_and_the_write_is_inserted(
    patient_client, a_year, monkeypatch
):
    # The doses read say tonight is logged but its row is gone by the write (no code deletes
    # a night today; the fallback keeps the tap from failing if one ever does): the insert is
    # tried after all, and the tap logs tonight's dose.
    monkeypatch.setattr(journal, "doses_taken_lately", lambda patient, moment: [(TONIGHT, moment)])
    assert not NightlyEntry.objects.filter(night=TONIGHT).exists()
    assert patient_client.post(TAKEN, {"submission_id": sid()}).status_code == 302
    entry = NightlyEntry.objects.get(night=TONIGHT)
    assert entry.status == NightlyEntry.Status.TAKEN
    assert Submission.objects.filter(entry=entry).count() == 1


def test_the_history_month_stays_within_five_queries(
    patient_client, a_year, django_assert_max_num_queries
):
    # Session, user with their patient profile, plan, the nights with where the journal
    # starts (one query; was two), urgent reports.
    patient_client.get(HOME)
    with django_assert_max_num_queries(5):
        assert patient_client.get(reverse("journal:history")).status_code == 200


def test_the_trends_page_stays_within_four_queries(
    patient_client, a_year, django_assert_max_num_queries
):
    # Session, user with their patient profile, plan, the nights drawn.
    patient_client.get(HOME)
    with django_assert_max_num_queries(4):
        assert patient_client.get(reverse("journal:trends")).status_code == 200


# --- Settings ----------------------------------------------------------------------------------


def test_settings_store_name_time_zone_reminder_and_channels(patient_client, patient_a):
    response = patient_client.post(
        reverse("journal:settings"),
        {
            "display_name": "Pat",
            "time_zone": "America/New_York",
            "reminder_time": "20:30",
            "last_call_time": "23:30",
            "morning_time": "09:00",
            "remind_by_email": "on",
            "morning_checkin": "",
        },
    )
    assert response.status_code == 302
    patient_a.refresh_from_db()
    patient_a.user.refresh_from_db()
    assert patient_a.user.display_name == "Pat"
    assert patient_a.time_zone == "America/New_York"
    assert str(patient_a.reminder_time) == "20:30:00"
    assert patient_a.remind_by_email
    assert not patient_a.remind_by_push
    assert not patient_a.morning_checkin


def test_settings_offer_a_searchable_list_of_time_zones(patient_client):
    page = patient_client.get(reverse("journal:settings")).content.decode()
    assert '<datalist id="time-zones">' in page
    assert 'value="Asia/Kolkata"' in page


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "x" * 100])
def test_an_unknown_time_zone_is_refused(patient_client, patient_a, zone):
    response = patient_client.post(
        reverse("journal:settings"),
        {"display_name": "Pat", "time_zone": zone, "reminder_time": "21:00"},
    )
    assert response.status_code == 200
    patient_a.refresh_from_db()
    assert patient_a.time_zone == "Europe/London"


# --- Domain functions --------------------------------------------------------------------------


def test_save_evening_turns_an_existing_row_into_an_edit(patient_a, plan):
    journal.log_taken_now(patient_a, NOW, uuid.uuid4())
    saved = journal.save_evening(
        patient_a, TONIGHT, NOW, uuid.uuid4(), dose_mg=Decimal("3"), taken_at=NOW
    )
    assert not saved.created
    assert NightlyEntry.objects.get().dose_mg == Decimal("3")


def test_morning_dosing_files_the_dose_under_the_calendar_date(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    saved = journal.log_taken_now(patient_a, morning, uuid.uuid4())
    assert saved.entry.night == date(2026, 11, 26)


def test_a_patient_in_another_zone_gets_their_own_tonight(clinician_a):
    patient = PatientFactory(time_zone="Asia/Dubai", clinicians=[clinician_a])
    make_plan(patient, clinician_a)
    # 22:00 UTC is 02:00 in Dubai: still the night of the 25th.
    assert journal.log_taken_now(patient, NOW, uuid.uuid4()).entry.night == TONIGHT


def test_taken_now_past_the_dosing_window_is_refused_so_no_false_time_is_stored(clinician_a):
    patient = PatientFactory(time_zone="Asia/Kolkata", clinicians=[clinician_a])
    make_plan(patient, clinician_a)
    # 22:00 UTC is 03:30 in Kolkata: still the night of the 25th, but past its 03:00 window.
    with pytest.raises(journal.PastDosingWindow):
        journal.log_taken_now(patient, NOW, uuid.uuid4())
    assert not NightlyEntry.objects.exists()


def test_add_bedtime_after_taken_now_keeps_the_dose(patient_client, plan):
    patient_client.post(TAKEN, {"submission_id": sid()})
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        page = patient_client.get(evening_url()).content.decode()
        assert 'value="2026-11-25T22:00"' in page  # the time taken, pre-filled
        patient_client.post(
            evening_url(),
            evening_data(taken_at="2026-11-25T22:00", bedtime="2026-11-25T22:35"),
        )
    entry = NightlyEntry.objects.get()
    assert entry.dose_mg == Decimal("1.5")
    assert entry.taken_at == NOW
    assert entry.bedtime == NOW + timedelta(minutes=35)


def test_morning_dosing_home_calls_the_card_today(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    page = patient_client.get(HOME).content.decode()
    assert "Today · Wed 25 Nov" in page


def test_an_earlier_nights_form_suggests_the_usual_reminder_time(patient_client, plan):
    page = patient_client.get(evening_url(TONIGHT - timedelta(days=2))).content.decode()
    assert 'value="2026-11-23T21:00"' in page


def test_more_links_to_settings_access_log_export_account_and_sign_out(patient_client):
    page = patient_client.get(reverse("journal:more")).content.decode()
    for name in (
        "journal:settings",
        "journal:access_log",
        "journal:export",
        "account_email",
        "account_logout",
    ):
        assert f'href="{reverse(name)}"' in page


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="counts PostgreSQL's statements (SQLite reads the plan in two); set DATABASE_URL",
)
def test_a_double_tap_on_taken_now_stays_within_its_statements(
    patient_client, a_year, django_capture_on_commit_callbacks
):
    """The second tap (tonight already logged) goes straight to the logged night, locks it and
    claims its submission id with one INSERT ... ON CONFLICT DO NOTHING RETURNING (which tells a
    replay from a new id): no failing insert, no savepoint, no separate replay lookup.
    Counted with every SAVEPOINT the test's own transaction adds (the same before and after)."""
    patient_client.post(TAKEN, {"submission_id": sid()})
    first = NightlyEntry.objects.get(night=TONIGHT)
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert patient_client.post(TAKEN, {"submission_id": sid()}).status_code == 302
    sent = [q["sql"] for q in captured.captured_queries]
    # 9 since the second tap locks the logged night and claims the id in one statement (the
    # session, the user with the profile, the plan, the urgent state, the doses of the last
    # hours, the lock, the claim, and the test's savepoint and its release).
    assert len(sent) <= 9, f"{len(sent)} statements:\n" + "\n".join(sent)
    # PostgreSQL's spelling, and SQLite's (`make run`'s fallback).
    assert any("ON CONFLICT" in sql and "DO NOTHING RETURNING" in sql for sql in sent)
    assert not any(sql.startswith("SELECT") and "patients_submission" in sql for sql in sent)
    assert NightlyEntry.objects.get(night=TONIGHT).updated_at == first.updated_at


def _label_of(page, field_id):
    """The text of the <label for=field_id> on the page, tags and all."""
    start = page.index(f'<label for="{field_id}">')
    return page[start : page.index("</label>", start)]


@pytest.mark.parametrize(
    ("url", "field_id", "help_text"),
    [
        (
            lambda: reverse("journal:skip", args=[TONIGHT]),
            "id_reason_text",
            "Needed when the reason is “Other reason”.",
        ),
        (
            lambda: morning_url(),
            "id_side_other_text",
            "Needed when “Other” is mild, moderate or severe.",
        ),
    ],
    ids=["skip reason", "other side effect"],
)
def test_a_text_needed_for_other_says_when_and_is_not_labelled_optional(
    patient_client, plan, url, field_id, help_text
):
    # Both texts are refused when "Other" is chosen without them, yet were labelled
    # "(optional)": the patient learned they were needed only from the refusal.
    page = patient_client.get(url()).content.decode()
    assert "(optional)" not in _label_of(page, field_id)
    assert f'<p class="help" id="{field_id}_helptext">{help_text}</p>' in page
    assert f'aria-describedby="{field_id}_helptext"' in page
