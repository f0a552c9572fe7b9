"""A dismissed "consider morning dosing" or "ready for the next step" names the situation it
speaks to, not the plan's version number (as the maintenance review does since 3e11ae7):
keyed "v<N>" and "v<N>-step<k>", either came back at once after any version that left its
situation as it was (a switch of dosing time signed and withdrawn before its night, a new
maintenance dose), and a morning-dosing suggestion dismissed once never came back while no
version was signed, however many more weeks of poor sleep followed.

"Ready for the next step" names the step being finished (its dose, first night and planned
length: what its text says); "consider morning dosing" names the run of evening dosing and
the four-week window of it that tonight falls in (rule (b): due again after each further
four weeks of evening dosing, or for a new run of evening dosing)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions import suggestions as rules
from prescriptions import titration
from prescriptions.changes import dosing_time_change, save_version
from prescriptions.models import PlanVersion, SuggestionDismissal
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.prescriptions.factories import make_prescription, plan_steps
from tests.prescriptions.maintenance_dismissal_support import WITHDRAWN_SWITCH

pytestmark = pytest.mark.django_db

AUG_6 = date(2026, 8, 6)
AUG_20 = date(2026, 8, 20)  # the first night of step 2 (3 mg for 14 nights) of FINITE
NOV_26 = date(2026, 11, 26)  # AUG_6 + 4 x 28: the fifth four-week window of evening dosing
DEC_10 = date(2026, 12, 10)
STANDARD = (("1.5", 14), ("3.0", 14), ("4.5", None))
FINITE = (("1.5", 14), ("3.0", 14))  # the last step has a length: complete from 3 Sep on
KEY_LENGTH = SuggestionDismissal._meta.get_field("evidence_key").max_length  # 80


def version(number, effective, steps=STANDARD, dosing_time=titration.EVENING):
    return titration.PlainVersion(
        number=number,
        effective_night=effective,
        start_date=AUG_6,
        steps=plan_steps(steps),
        dosing_time=dosing_time,
    )


def found_on(versions, tonight, kind, nights, dismissed=frozenset()):
    last_night = tonight - timedelta(days=1)
    found = rules.suggestions_for(versions, nights(last_night), last_night, None, dismissed)
    return [s for s in found if s.kind == kind]


def dismissed_on(versions, tonight, kind, nights):
    [suggestion] = found_on(versions, tonight, kind, nights)
    return frozenset({(suggestion.kind, suggestion.key)})


# --- (b) consider morning dosing -----------------------------------------------------------


def poor_sleep(last_night):
    """Sleep quality 2/10 on each of the last seven nights, a dose taken on each."""
    return [
        rules.NightFacts(last_night - timedelta(days=d), taken=True, sleep_quality=2)
        for d in range(rules.WINDOW_NIGHTS)
    ]


def morning_on(versions, tonight, dismissed=frozenset()):
    return found_on(versions, tonight, rules.MORNING_DOSING, poor_sleep, dismissed)


# A new maintenance dose (3 mg from 5 Dec): evening dosing goes on as it was.
LOWERED = (
    version(1, AUG_6),
    version(2, date(2026, 12, 5), (("1.5", 14), ("3.0", 14), ("3.0", None))),
)


@pytest.mark.parametrize(
    "versions",
    [LOWERED, WITHDRAWN_SWITCH],
    ids=["a new maintenance dose", "a switch of dosing time signed and withdrawn"],
)
def test_a_dismissed_morning_dosing_holds_through_versions_that_leave_evening_dosing_as_it_was(
    versions,
):
    dismissed = dismissed_on(versions[:1], date(2026, 12, 4), rules.MORNING_DOSING, poor_sleep)
    assert morning_on(versions, date(2026, 12, 14)) != []
    assert morning_on(versions, date(2026, 12, 14), dismissed) == []


def test_morning_dosing_names_its_run_of_evening_dosing_and_four_week_window():
    [suggestion] = morning_on((version(1, AUG_6),), date(2026, 12, 4))
    assert suggestion.key == "evening-from-2026-08-06-window-from-2026-11-26"
    assert len(suggestion.key) <= KEY_LENGTH


def test_a_dismissed_morning_dosing_comes_back_after_its_four_weeks_of_poor_sleep():
    """Dismissed in the window from 26 Nov, it stays dismissed through 23 Dec (its last
    night) and is raised again on the first night of the next window, poor sleep going on."""
    versions = (version(1, AUG_6),)
    dismissed = dismissed_on(versions, date(2026, 12, 4), rules.MORNING_DOSING, poor_sleep)
    next_window = NOV_26 + timedelta(days=rules.SLEEP_WINDOW_DAYS)
    assert morning_on(versions, next_window - timedelta(days=1), dismissed) == []
    [back] = morning_on(versions, next_window, dismissed)
    assert back.key == "evening-from-2026-08-06-window-from-2026-12-24"


def test_a_dismissed_morning_dosing_comes_back_for_a_new_run_of_evening_dosing():
    """Morning dosing from 5 Dec, evening again from 12 Dec: poor sleep in the new run of
    evening dosing is new evidence about it."""
    versions = (
        version(1, AUG_6),
        version(2, date(2026, 12, 5), dosing_time=titration.MORNING),
        version(3, date(2026, 12, 12)),
    )
    dismissed = dismissed_on(versions[:1], date(2026, 12, 4), rules.MORNING_DOSING, poor_sleep)
    [back] = morning_on(versions, date(2026, 12, 20), dismissed)
    assert back.key == "evening-from-2026-12-12-window-from-2026-12-12"


# --- (c) ready for the next step -----------------------------------------------------------


def all_taken(last_night):
    return [
        rules.NightFacts(last_night - timedelta(days=d), taken=True)
        for d in range((last_night - AUG_6).days + 1)
    ]


def step_on(versions, tonight, dismissed=frozenset()):
    return found_on(versions, tonight, rules.NEXT_STEP, all_taken, dismissed)


def finite(number, effective, dosing_time=titration.EVENING, steps=FINITE):
    return version(number, effective, steps, dosing_time)


def test_a_dismissed_next_step_holds_through_a_switch_of_dosing_time_signed_and_withdrawn():
    versions = (
        finite(1, AUG_6),
        finite(2, DEC_10, titration.MORNING),
        finite(3, DEC_10),
    )
    dismissed = dismissed_on(versions[:1], date(2026, 12, 4), rules.NEXT_STEP, all_taken)
    assert step_on(versions, date(2026, 12, 14)) != []
    assert step_on(versions, date(2026, 12, 14), dismissed) == []


def test_the_next_step_names_the_step_being_finished():
    [suggestion] = step_on((finite(1, AUG_6),), date(2026, 12, 4))
    assert suggestion.key == "step-3.00mg-from-2026-08-20-for-14"
    assert len(rules.step_key(Decimal("50"), AUG_20, 9999)) <= KEY_LENGTH


def test_a_dismissed_next_step_comes_back_when_a_longer_step_is_complete():
    """Dismissed on 4 Dec, the step then signed 120 nights long (20 Aug to 17 Dec): complete
    again on its new last night, a step the dismissal did not speak to."""
    longer = finite(2, date(2026, 12, 5), steps=(("1.5", 14), ("3.0", 120)))
    versions = (finite(1, AUG_6), longer)
    dismissed = dismissed_on(versions[:1], date(2026, 12, 4), rules.NEXT_STEP, all_taken)
    assert step_on(versions, date(2026, 12, 16), dismissed) == []  # night 119 of 120
    [back] = step_on(versions, date(2026, 12, 17), dismissed)
    assert back.key == "step-3.00mg-from-2026-08-20-for-120"


# --- through the pages ---------------------------------------------------------------------

MOMENT = datetime(2026, 12, 4, 20, tzinfo=UTC)  # 20:00 in London: tonight is 4 Dec
MORNING_TITLE = "Consider morning dosing"
STEP_TITLE = "Ready for the next step"


def sleepless_patient_at_a_finished_step(clinician):
    """Steps 1.5 mg and 3 mg for 14 nights each from 30 Oct: complete on 26 Nov; every night
    taken, sleep 2/10 on the last seven: both suggestions are raised on 4 Dec, the morning
    dosing in the window of evening dosing from 27 Nov to 24 Dec."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_prescription(patient, clinician, date(2026, 10, 30), steps=FINITE)
    give_nights([patient], date(2026, 12, 3), 35, dose="3.0")
    NightlyEntry.objects.filter(patient=patient, night__gte=date(2026, 11, 27)).update(
        sleep_quality=2
    )
    return patient


def _page(client, clinician, patient, moment, name="clinic:patient"):
    with time_machine.travel(moment, tick=False):
        client.force_login(clinician)
        response = client.get(reverse(name, args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _open(page):
    return page.split("Dismissed suggestions")[0]


def _dismiss(client, clinician, patient, kind, moment):
    page = _page(client, clinician, patient, moment)
    form = re.search(
        rf'name="kind" value="{kind}">\s*<input type="hidden" name="key" value="([^"]+)"', page
    )
    assert form is not None
    with time_machine.travel(moment, tick=False):
        response = client.post(
            reverse("clinic:suggestion_dismiss", args=[patient.pk]),
            {"kind": kind, "key": form.group(1), "reason": "Discussed; not now"},
        )
    assert response.status_code == 302


def test_dismissals_stored_under_the_old_version_keys_leave_the_pages_working(client, clinician):
    """Dismissals stored before the keys named the situation ("v1", "v1-step2") close
    nothing now: each suggestion is shown once more, beside the old dismissal and its
    reason, and a new dismissal closes it. No data migration: an old key cannot be turned
    into the situation it was dismissed in without replaying the plan on that night."""
    patient = sleepless_patient_at_a_finished_step(clinician)
    for kind, key, reason in (
        (rules.MORNING_DOSING, "v1", "Sleeps badly for other reasons"),
        (rules.NEXT_STEP, "v1-step2", "Staying at 3 mg for now"),
    ):
        SuggestionDismissal.objects.create(
            patient=patient, kind=kind, evidence_key=key, dismissed_by=clinician, reason=reason
        )
    for name in ("clinic:patient", "clinic:plan"):
        page = _page(client, clinician, patient, MOMENT, name)
        assert MORNING_TITLE in _open(page)
        assert STEP_TITLE in _open(page)
        assert "Sleeps badly for other reasons" in page
        assert "Staying at 3 mg for now" in page
    _dismiss(client, clinician, patient, rules.MORNING_DOSING, MOMENT)
    _dismiss(client, clinician, patient, rules.NEXT_STEP, MOMENT)
    page = _open(_page(client, clinician, patient, MOMENT))
    assert MORNING_TITLE not in page
    assert STEP_TITLE not in page


def _switch(patient, clinician, dosing_time, signed, applied_suggestion=""):
    prescription = patient.prescriptions.get()
    latest = prescription.versions.order_by("-number").first()
    versions = tuple(v.as_plain() for v in prescription.versions.order_by("number"))
    save_version(
        prescription_id=prescription.pk,
        author=clinician,
        based_on=latest.number,
        change=dosing_time_change(
            latest.as_plain(),
            dosing_time=dosing_time,
            effective_night=DEC_10,
            reason="Sleep",
            versions=versions,
            applied_suggestion=applied_suggestion,
        ),
        now=signed,
    )


def test_dismissals_on_the_page_hold_through_a_withdrawn_switch(client, clinician):
    patient = sleepless_patient_at_a_finished_step(clinician)
    _dismiss(client, clinician, patient, rules.MORNING_DOSING, MOMENT)
    _dismiss(client, clinician, patient, rules.NEXT_STEP, MOMENT)
    _switch(patient, clinician, titration.MORNING, datetime(2026, 12, 5, 9, tzinfo=UTC))
    _switch(patient, clinician, titration.EVENING, datetime(2026, 12, 6, 9, tzinfo=UTC))
    give_nights([patient], date(2026, 12, 13), 10, dose="3.0")  # 4-13 Dec
    NightlyEntry.objects.filter(patient=patient).update(sleep_quality=2)
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == 3
    page = _open(_page(client, clinician, patient, datetime(2026, 12, 14, 20, tzinfo=UTC)))
    assert MORNING_TITLE not in page
    assert STEP_TITLE not in page


def test_a_morning_dosing_acted_on_by_a_withdrawn_switch_stays_closed_in_its_window(
    client, clinician
):
    """acted_on reads the key a version was applied from: the switch applied from the
    suggestion, then withdrawn, leaves it closed for the four weeks it was raised in (keyed
    by version, the withdrawal brought it back at once)."""
    patient = sleepless_patient_at_a_finished_step(clinician)
    page = _page(client, clinician, patient, MOMENT)
    key = re.search(
        r'name="kind" value="morning_dosing">\s*<input type="hidden" name="key" value="([^"]+)"',
        page,
    ).group(1)
    signed = datetime(2026, 12, 5, 9, tzinfo=UTC)
    _switch(patient, clinician, titration.MORNING, signed, f"{rules.MORNING_DOSING}:{key}")
    _switch(patient, clinician, titration.EVENING, datetime(2026, 12, 6, 9, tzinfo=UTC))
    give_nights([patient], date(2026, 12, 13), 10, dose="3.0")  # 4-13 Dec
    NightlyEntry.objects.filter(patient=patient).update(sleep_quality=2)
    page = _open(_page(client, clinician, patient, datetime(2026, 12, 14, 20, tzinfo=UTC)))
    assert MORNING_TITLE not in page
