"""The clinician's words for a morning doser's nights: days, as the patient's own pages say.

The list said "Last entry 16 Nov (9 nights ago)" and the flags "8 nights in a row without a
taken dose", "Missed nights", "No entry for 9 nights" of a patient dosing in the morning;
the patient's page of a day logged in another zone said "This night was logged in another
time zone". Evening dosers keep their nights."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from patients.clinic import attention
from patients.models import FlagReview, NightlyEntry, Patient, PatientAttention
from patients.rules import flags as flag_rules
from patients.templatetags.journal import night_said_on
from prescriptions.titration import PlainVersion, Step
from tests.patients.attention_support import assert_stored_equals_fresh
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
LAST_ENTRY = date(2026, 11, 16)
LIST = reverse("clinic:patients")


def _taken(patient, nights):
    NightlyEntry.objects.bulk_create(
        NightlyEntry(
            patient=patient,
            night=night,
            status="taken",
            dose_mg=Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            taken_at=datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=8),
        )
        for night in nights
    )


@pytest.fixture
def silent_since_the_16th(patient_a, clinician_a):
    """Doses every day from 10 to 16 November, then nothing: on the 25th at 09:00 a morning
    doser's last entry was 9 days ago and 17 to 24 November are 8 days missed."""
    _taken(patient_a, [LAST_ENTRY - timedelta(days=n) for n in range(7)])
    return patient_a


def _list_cell(page, label):
    return re.search(rf'<td data-label="{re.escape(label)}">(.*?)</td>', page, re.S).group(1)


# --- the list's "Last entry" ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dosing_time", "said"), [("morning", "9 days ago"), ("evening", "9 nights ago")]
)
def test_the_list_says_how_long_ago_the_last_entry_was_in_days_for_a_morning_doser(
    clinician_client, clinician_a, silent_since_the_16th, dosing_time, said
):
    """It said "(9 nights ago)" for a morning doser (counted on the patient's calendar day,
    as for an evening doser)."""
    make_plan(silent_since_the_16th, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(LIST).content.decode()
    assert f'16 Nov <span class="small muted">({said})</span>' in _list_cell(page, "Last entry")


@pytest.mark.parametrize(("language", "said"), [("de", "vor 9 Tagen"), ("es", "hace 9 días")])
def test_a_morning_dosers_last_entry_is_counted_in_days_in_the_readers_language(language, said):
    with translation.override(language):
        assert night_said_on(LAST_ENTRY, date(2026, 11, 25), "morning") == said
        assert night_said_on(LAST_ENTRY, date(2026, 11, 18), "morning") == ngettext(
            "%(count)d day ago", "%(count)d days ago", 2
        ) % {"count": 2}


# --- the flags --------------------------------------------------------------------------------


def _flags(patient):
    [row] = attention.evaluate(Patient.objects.filter(pk=patient.pk), AT_09)
    return {flag.kind: flag for flag in row.flags}


def test_a_morning_dosers_flags_count_days(clinician_a, silent_since_the_16th):
    make_plan(silent_since_the_16th, clinician_a, dosing_time="morning")
    flags = _flags(silent_since_the_16th)
    missed, quiet = flags[flag_rules.MISSED], flags[flag_rules.QUIET]
    assert missed.explanation == (
        "8 days in a row without a taken dose (8 not logged), 17 Nov to 24 Nov."
    )
    assert missed.label == "Missed days"
    # Today is open, as for the missed days: it said 9 days, silent 17 to 25 Nov.
    assert quiet.explanation.startswith(
        "No entry for 8 days (last entry 16 Nov; silent 17 Nov to 24 Nov)"
    )
    assert "night" not in missed.explanation + quiet.explanation


def test_an_evening_dosers_flags_still_count_nights(clinician_a, silent_since_the_16th):
    make_plan(silent_since_the_16th, clinician_a, dosing_time="evening")
    flags = _flags(silent_since_the_16th)
    missed, quiet = flags[flag_rules.MISSED], flags[flag_rules.QUIET]
    assert missed.explanation.startswith("7 nights in a row without a taken dose")
    assert missed.label == "Missed nights"
    assert quiet.explanation.startswith("No entry for 8 nights")


WEEK = [date(2026, 11, 18) + timedelta(days=n) for n in range(7)]  # 18 to 24 Nov
TODAY = date(2026, 11, 25)


def _plan(dosing_time, hold_from=None):
    return (
        PlainVersion(
            1, date(2026, 10, 1), date(2026, 10, 1), (Step(Decimal("1.5"), None),), dosing_time
        ),
        *(
            [
                PlainVersion(
                    2,
                    hold_from,
                    date(2026, 10, 1),
                    (Step(Decimal("1.5"), None),),
                    dosing_time,
                    hold_from=hold_from,
                )
            ]
            if hold_from
            else []
        ),
    )


def _record(night, dose="1.5", **values):
    return flag_rules.NightRecord(night=night, status="taken", dose_mg=Decimal(dose), **values)


HEADACHE = (flag_rules.SideEffectRecord("headache", 3),)
CASES = {
    flag_rules.SIDE_EFFECT: (
        [_record(n, side_effects=HEADACHE) for n in WEEK[-2:]],
        None,
        "Severe headache on 2 days, last 24 Nov (new: never reported before).",
    ),
    flag_rules.DEVIATION: (
        [_record(n, "3") for n in WEEK],
        None,
        "Dose differed from the plan on 7 days; last 24 Nov: 3 mg taken, 1.5 mg prescribed.",
    ),
    flag_rules.WORSENING: (
        [
            *(_record(TODAY - timedelta(days=n), scores={"pain": 2}) for n in range(7, 35)),
            *(_record(TODAY - timedelta(days=n), scores={"pain": 8}) for n in range(7)),
        ],
        None,
        "Pain worse: last 7 days' mean 8.0 vs 2.0 over the 28 days before (6.0 points, "
        "300 % worse).",
    ),
    flag_rules.DOSE_ON_HOLD: (
        [_record(n) for n in WEEK[-2:]],
        WEEK[-3],
        "Dose logged while the plan was on hold on 2 days, last 24 Nov.",
    ),
}


@pytest.mark.parametrize("kind", CASES)
def test_each_flag_that_counts_a_morning_dosers_nights_counts_days(kind):
    """The rules are pure: the dosing time is the plan's on today, as the pages read it."""
    records, hold_from, says = CASES[kind]
    flags = flag_rules.evaluate(records, _plan("morning", hold_from), TODAY, tz="Europe/London")
    [flag] = [flag for flag in flags if flag.kind == kind]
    assert flag.explanation == says
    assert flag.dosing_time == "morning"
    # The same nights of an evening doser: nights.
    flags = flag_rules.evaluate(records, _plan("evening", hold_from), TODAY, tz="Europe/London")
    [flag] = [flag for flag in flags if flag.kind == kind]
    assert flag.explanation == says.replace(" days", " nights")
    assert flag.dosing_time == "evening"


def test_a_morning_dosers_missed_days_name_an_entry_without_the_morning_dose():
    """The evidence of a day with a check-in but no dose said "entry without the evening
    dose"; a patient who never logged has gone quiet for days."""
    records = [flag_rules.NightRecord(night=n) for n in WEEK[-2:]]
    flags = flag_rules.evaluate(
        records, _plan("morning"), TODAY, tz="Europe/London", joined=date(2026, 11, 1)
    )
    [missed] = [flag for flag in flags if flag.kind == flag_rules.MISSED]
    assert [detail.values for detail in missed.details][-2:] == [
        "entry without the morning dose"
    ] * 2
    joined = WEEK[0] - timedelta(days=1)  # 7 whole days silent since (today is open)
    flags = flag_rules.evaluate([], _plan("morning"), TODAY, tz="UTC", joined=joined)
    [quiet] = [flag for flag in flags if flag.kind == flag_rules.QUIET]
    assert quiet.explanation.startswith("No entry for 7 days (nothing logged since joining")


# --- the stored rows follow the dosing time -----------------------------------------------------


def test_the_stored_row_says_days_once_a_switch_to_mornings_begins_and_equals_a_fresh_one(
    clinician_a, silent_since_the_16th
):
    """The list's flags are stored (PatientAttention): the words are the ones a fresh
    evaluation gives, before the switch (nights) and once the row is rewritten after the
    night has turned into the first morning one (days)."""
    patient = silent_since_the_16th
    make_plan(patient, clinician_a)
    switch_dosing_time(patient, clinician_a, "morning", date(2026, 11, 27))
    attention.recompute([patient.pk], AT_09)
    with time_machine.travel(AT_09, tick=False):
        assert_stored_equals_fresh(patient, AT_09)
    [missed] = [
        f for f in attention.row_from(_stored(patient), patient).flags if f.kind == "missed"
    ]
    assert (missed.label, missed.dosing_time) == ("Missed nights", "evening")
    later = AT_09 + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        attention.refresh_due(later)
        assert_stored_equals_fresh(patient, later)
    flags = {f.kind: f for f in attention.row_from(_stored(patient), patient).flags}
    assert flags["missed"].label == "Missed days"
    assert flags["missed"].explanation.startswith("11 days in a row without a taken dose")
    assert flags["quiet"].explanation.startswith("No entry for 11 days")


def _stored(patient):
    return PatientAttention.objects.get(patient=patient)


# --- the clinician's pages ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_morning_dosers_patient_page_counts_days(
    clinician_client, clinician_a, silent_since_the_16th, language
):
    """The flags, their evidence ("Evidence: 8 nights") and the adherence figures' label
    ("Adherence 7 / 30 nights") of a morning doser."""
    make_plan(silent_since_the_16th, clinician_a, dosing_time="morning")
    clinician_a.language = language
    clinician_a.save()
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:patient", args=[silent_since_the_16th.pk])
        ).content.decode()
    with translation.override(language):
        says = [
            gettext("Missed days"),
            gettext("Adherence 7 / 30 days"),
            ngettext("Evidence: %(days)s day", "Evidence: %(days)s days", 8) % {"days": 8},
            ngettext(
                "%(count)s day in a row without a taken dose (%(parts)s), %(first)s to %(last)s.",
                "%(count)s days in a row without a taken dose (%(parts)s), %(first)s to %(last)s.",
                8,
            ).split(" (")[0]
            % {"count": 8},
        ]
        wrong = [gettext("Missed nights"), gettext("Adherence 7 / 30 nights")]
    for text in says:
        assert text in page
    if language != "en":  # and in the reader's language
        with translation.override("en"):
            assert not set(says) & {gettext("Missed days"), gettext("Adherence 7 / 30 days")}
    for text in wrong:
        assert text not in page


def test_a_morning_dosers_visit_report_counts_days(
    clinician_client, clinician_a, silent_since_the_16th
):
    make_plan(silent_since_the_16th, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:report", args=[silent_since_the_16th.pk]),
            {"start": "2026-11-01", "end": "2026-11-25"},
        ).content.decode()
    assert "1 Nov 2026 to 25 Nov 2026 (25 days)" in page
    assert "of prescribed days taken (7 of " in page
    assert re.search(r"Symptoms: first vs last \d+ days", page)
    assert "(25 nights)" not in page
    assert "of prescribed nights taken" not in page
    assert not re.search(r"Symptoms: first vs last \d+ nights", page)


def test_a_morning_dosers_urgent_report_lists_the_days_before_it(
    clinician_client, clinician_a, patient_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        report = urgent_report(patient_a, AT_09, symptoms=["panic"], since="", severity="moderate")
        page = clinician_client.get(
            reverse("clinic:urgent_report", args=[report.pk])
        ).content.decode()
    assert '<h2 id="nights-title">The last 14 days</h2>' in page
    assert '<th scope="col">Day</th>' in page
    assert "The last 14 nights" not in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Changes to the day of 16 Nov 2026"),
        ("de", "Änderungen am Tag vom 16. Nov 2026"),
        ("es", "Cambios en el día del 16 nov 2026"),
    ],
)
def test_the_changes_to_a_morning_dose_are_headed_with_its_day(
    clinician_client, clinician_a, silent_since_the_16th, language, heading
):
    """The night's page says "Day of ..." of a morning dose; the page of its changes said
    "Changes to the night of 16 Nov 2026"."""
    make_plan(silent_since_the_16th, clinician_a, dosing_time="morning")
    clinician_a.language = language
    clinician_a.save()
    entry = NightlyEntry.objects.get(patient=silent_since_the_16th, night=LAST_ENTRY)
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:entry_history", args=[silent_since_the_16th.pk, entry.pk])
        ).content.decode()
    assert f'<h1 class="page-title">{heading}</h1>' in page


# --- the patient's page of a day logged in another zone -------------------------------------

# 08:00 in Tokyo on the 25th: the morning dose of the 25th. An hour later the patient is in
# Los Angeles, where it is 16:00 on the 24th: today is the 24th there.
TOKYO_MORNING = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "en",
            "This day was logged in another time zone, where it had already started. Here it "
            "has not started yet: you can change it from Wed 25 Nov, 00:00.",
        ),
        (
            "de",
            "Dieser Tag wurde in einer anderen Zeitzone eingetragen, in der er schon begonnen "
            "hatte. Hier hat er noch nicht begonnen: Sie können ihn ab Mi, 25. Nov, 00:00 ändern.",
        ),
        (
            "es",
            "Este día se registró en otra zona horaria, donde ya había empezado. Aquí todavía no "
            "ha empezado: puede cambiarlo a partir del mié 25 nov, 00:00.",
        ),
    ],
)
def test_a_morning_dose_logged_further_east_says_this_day_was_logged_in_another_zone(
    client, patient_a, clinician_a, language, says
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=date(2026, 11, 25),
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=TOKYO_MORNING,
        evening_logged_at=TOKYO_MORNING,
        time_zone="Asia/Tokyo",
    )
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    client.force_login(patient_a.user)
    with time_machine.travel(TOKYO_MORNING + timedelta(hours=1), tick=False):
        page = client.get(
            reverse("journal:entry", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    assert says in re.sub(r"\s+", " ", page)
    with translation.override(language):
        assert gettext("This night was logged in another time zone")[:20] not in page


# --- the review form and the plan panel's steps ------------------------------------------------


def _steps_header(page):
    """The header of the plan panel's date column ("Nights", or "Days" of a morning doser)."""
    head = re.search(r'<table class="table plan-steps">\s*<thead>(.*?)</thead>', page, re.S)
    return re.findall(r'<th scope="col">(.*?)</th>', head.group(1))[2]


def _review_label(page):
    return re.search(r'<label for="id_reviewed_through"[^>]*>(.*?)</label>', page, re.S).group(1)


@pytest.mark.parametrize(
    ("dosing_time", "language", "label", "column"),
    [
        ("morning", "en", "Reviewed through day", "Days"),
        ("morning", "de", "Geprüft bis zum Tag", "Tage"),
        ("morning", "es", "Revisado hasta el día", "Días"),
        ("evening", "en", "Reviewed through night", "Nights"),
        ("evening", "de", "Geprüft bis zur Nacht", "Nächte"),
    ],
)
def test_a_morning_dosers_review_form_and_plan_steps_say_days(
    clinician_client, clinician_a, silent_since_the_16th, dosing_time, language, label, column
):
    """The patient page's review form said "Reviewed through night" and the plan panel's
    steps a "Nights" column of a patient dosing in the morning."""
    make_plan(silent_since_the_16th, clinician_a, dosing_time=dosing_time)
    clinician_a.language = language
    clinician_a.save()
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:patient", args=[silent_since_the_16th.pk])
        ).content.decode()
    assert _review_label(page).strip() == label
    assert _steps_header(page) == column


@pytest.mark.parametrize(
    ("dosing_time", "language", "through", "error"),
    [
        ("morning", "en", "25/11", "Enter the day as YYYY-MM-DD."),
        (
            "morning",
            "en",
            "2026-12-31",
            "You can review up to the current day (25 Nov 2026), not later.",
        ),
        (
            "morning",
            "en",
            "2026-11-01",
            "The journal starts on 10 Nov 2026: choose a day from then to the current day "
            "(25 Nov 2026).",
        ),
        ("morning", "de", "25/11", "Geben Sie den Tag im Format JJJJ-MM-TT ein."),
        (
            "morning",
            "de",
            "2026-12-31",
            "Sie können bis zum aktuellen Tag (25. Nov 2026) prüfen, nicht später.",
        ),
        (
            "morning",
            "de",
            "2026-11-01",
            "Die Aufzeichnungen beginnen am 10. Nov 2026: Wählen Sie einen Tag von da an bis zum "
            "aktuellen Tag (25. Nov 2026).",
        ),
        ("morning", "es", "25/11", "Introduzca el día en formato AAAA-MM-DD."),
        (
            "morning",
            "es",
            "2026-12-31",
            "Puede revisar hasta el día actual (25 nov 2026), no después.",
        ),
        (
            "morning",
            "es",
            "2026-11-01",
            "El diario empieza el 10 nov 2026: elija un día desde entonces hasta el día actual "
            "(25 nov 2026).",
        ),
        ("evening", "en", "25/11", "Enter the night as YYYY-MM-DD."),
        (
            "evening",
            "en",
            "2026-12-31",
            "You can review up to the current night (24 Nov 2026), not later.",
        ),
        (
            "evening",
            "en",
            "2026-11-01",
            "The journal starts on 10 Nov 2026: choose a night from then to the current night "
            "(24 Nov 2026).",
        ),
    ],
)
def test_a_morning_dosers_review_form_errors_say_days(
    clinician_client, clinician_a, silent_since_the_16th, dosing_time, language, through, error
):
    """Under "Reviewed through day" the errors said "Enter the night as YYYY-MM-DD." and "You
    can review up to the current night": the view that checks the form did not pass the
    patient's dosing time, and the form's errors knew only nights."""
    make_plan(silent_since_the_16th, clinician_a, dosing_time=dosing_time)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    with time_machine.travel(AT_09, tick=False):
        response = clinician_client.post(
            reverse("clinic:mark_reviewed", args=[silent_since_the_16th.pk]),
            {"reviewed_through": through},
            follow=True,
        )
    page = html.unescape(response.content.decode())
    # Told once beside the field, and once in the summary at the top that links to it.
    summary = page[page.index('<div class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert summary.count(error) == 1
    assert page.count(error) == 2
    assert not FlagReview.objects.exists()


def test_the_plan_steps_column_names_neither_nights_nor_days_across_a_switch_of_dosing_time(
    clinician_client, clinician_a, silent_since_the_16th
):
    """With a switch to morning dosing signed for a later day, the steps ahead hold evening
    nights and morning days: the column says "Dates" (each step says its dosing time)."""
    make_plan(silent_since_the_16th, clinician_a)
    switch_dosing_time(silent_since_the_16th, clinician_a, "morning", date(2026, 12, 1))
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:patient", args=[silent_since_the_16th.pk])
        ).content.decode()
    assert _steps_header(page) == "Dates"
    assert _review_label(page).strip() == "Reviewed through night"


def test_a_morning_plan_versions_steps_say_days(clinician_client, clinician_a, patient_a):
    version = make_plan(patient_a, clinician_a, dosing_time="morning").versions.get()
    with time_machine.travel(AT_09, tick=False):
        page = clinician_client.get(
            reverse("clinic:plan_version", args=[patient_a.pk, version.pk])
        ).content.decode()
    assert '<th scope="col">Days</th></tr>' in page
    assert '<th scope="col">Nights</th>' not in page
