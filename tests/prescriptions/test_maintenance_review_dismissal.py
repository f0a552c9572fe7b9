"""A dismissed "review whether LDN is helping" names the maintenance it speaks to (the dose,
the night it has been asked since, and which eight weeks of it), not the plan's version
number: a version that left maintenance as it was (a switch of dosing time signed and then
withdrawn before its night) brought a dismissed review back at once, and a review dismissed
once never came back, however many more weeks without relief followed, while no version
was signed."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from prescriptions import suggestions as rules
from prescriptions import titration
from prescriptions.changes import dosing_time_change, save_version
from prescriptions.models import PlanVersion, SuggestionDismissal
from tests.patients.dashboard_factories import give_nights
from tests.prescriptions.maintenance_dismissal_support import DEC_10, STANDARD, WITHDRAWN_SWITCH
from tests.prescriptions.maintenance_review_support import AUG_6, patient_with_little_relief, plain

pytestmark = pytest.mark.django_db

SEP_3 = date(2026, 9, 3)  # the first night at 4.5 mg maintenance
REVIEW = "Review whether LDN is helping"


def pain(last_night, recent=6):
    """Pain 7/10 in the first two weeks and ``recent`` in the 14 nights to ``last_night``."""
    first = [rules.NightFacts(AUG_6 + timedelta(days=d), pain=7) for d in range(14)]
    return first + [
        rules.NightFacts(last_night - timedelta(days=d), pain=recent) for d in range(14)
    ]


def review_on(versions, tonight, dismissed=frozenset()):
    last_night = tonight - timedelta(days=1)
    found = rules.suggestions_for(versions, pain(last_night), last_night, AUG_6, dismissed)
    return [s for s in found if s.kind == rules.REVIEW_BENEFIT]


def dismissed_on(versions, tonight):
    [review] = review_on(versions, tonight)
    return frozenset({(review.kind, review.key)})


def test_a_dismissed_review_holds_through_versions_that_leave_maintenance_as_it_was():
    dismissed = dismissed_on(WITHDRAWN_SWITCH[:1], date(2026, 12, 4))
    assert review_on(WITHDRAWN_SWITCH, date(2026, 12, 14)) != []
    assert review_on(WITHDRAWN_SWITCH, date(2026, 12, 14), dismissed) == []


def test_the_review_names_its_maintenance_dose_and_first_night():
    [review] = review_on((plain(1, AUG_6, STANDARD),), date(2026, 12, 4))
    assert review.key == "maintenance-4.50mg-from-2026-09-03-review-1"


def test_a_dismissed_review_comes_back_when_another_eight_weeks_have_passed():
    """Due after eight weeks at maintenance (56 nights through last night), and again after
    each further eight weeks without relief: a dismissal covers its own eight weeks."""
    versions = (plain(1, AUG_6, STANDARD),)
    first_due = SEP_3 + timedelta(days=rules.MAINTENANCE_DAYS)  # 56 nights through last
    dismissed = dismissed_on(versions, first_due)
    again = first_due + timedelta(days=rules.MAINTENANCE_DAYS)
    assert review_on(versions, again - timedelta(days=1), dismissed) == []
    [back] = review_on(versions, again, dismissed)
    assert back.key == "maintenance-4.50mg-from-2026-09-03-review-2"


def test_a_dismissed_review_comes_back_for_a_new_maintenance_dose():
    """Lowered to 3 mg from 2 Nov: eight weeks of that dose later the review is raised again,
    whatever was dismissed about 4.5 mg."""
    lowered = plain(2, date(2026, 11, 2), (("1.5", 14), ("3.0", 14), ("3.0", None)))
    versions = (plain(1, AUG_6, STANDARD), lowered)
    dismissed = dismissed_on(versions[:1], date(2026, 11, 1))
    assert review_on(versions, date(2026, 12, 27), dismissed) == []  # 55 nights of 3 mg
    [back] = review_on(versions, date(2026, 12, 28), dismissed)
    assert back.key == "maintenance-3.00mg-from-2026-11-02-review-1"


def _page(client, clinician, patient, moment, name="clinic:patient"):
    with time_machine.travel(moment, tick=False):
        # Staff sessions end after 30 minutes idle: signed in at the page's moment.
        client.force_login(clinician)
        response = client.get(reverse(name, args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _open(page):
    """The page before its list of dismissed suggestions: what is raised now."""
    return page.split("Dismissed suggestions")[0]


def _dismiss_the_review(client, clinician, patient, moment):
    page = _page(client, clinician, patient, moment)
    form = re.search(
        r'name="kind" value="review_benefit">\s*<input type="hidden" name="key" value="([^"]+)"',
        page,
    )
    assert form is not None
    with time_machine.travel(moment, tick=False):
        response = client.post(
            reverse("clinic:suggestion_dismiss", args=[patient.pk]),
            {"kind": rules.REVIEW_BENEFIT, "key": form.group(1), "reason": "Discussed; continuing"},
        )
    assert response.status_code == 302


def _switch(patient, clinician, dosing_time, signed):
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
        ),
        now=signed,
    )


def test_a_review_dismissed_on_the_page_stays_dismissed_after_a_withdrawn_switch(client, clinician):
    patient = patient_with_little_relief(clinician)
    _dismiss_the_review(client, clinician, patient, datetime(2026, 12, 4, 20, tzinfo=UTC))
    _switch(patient, clinician, titration.MORNING, datetime(2026, 12, 5, 9, tzinfo=UTC))
    _switch(patient, clinician, titration.EVENING, datetime(2026, 12, 6, 9, tzinfo=UTC))
    give_nights([patient], date(2026, 12, 13), 9, pain=6)  # 5-13 Dec
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == 3
    page = _page(client, clinician, patient, datetime(2026, 12, 14, 20, tzinfo=UTC))
    assert "Step 3 of 3, night 103" in page  # at maintenance since 3 Sep, as before
    assert REVIEW not in _open(page)


def test_a_dismissal_stored_under_the_old_version_key_leaves_the_pages_working(client, clinician):
    """Dismissals stored before the key named the maintenance ("v1-maintenance") close
    nothing now: the review is shown once more, beside the old dismissal and its reason,
    and a new dismissal closes it. No data migration: the old key cannot be turned into
    the situation it was dismissed in without replaying the plan on that night."""
    patient = patient_with_little_relief(clinician)
    SuggestionDismissal.objects.create(
        patient=patient,
        kind=rules.REVIEW_BENEFIT,
        evidence_key="v1-maintenance",
        dismissed_by=clinician,
        reason="Discussed at the visit",
    )
    moment = datetime(2026, 12, 4, 20, tzinfo=UTC)
    for name in ("clinic:patient", "clinic:plan"):
        page = _page(client, clinician, patient, moment, name)
        assert REVIEW in _open(page)
        assert "Discussed at the visit" in page
    _dismiss_the_review(client, clinician, patient, moment)
    assert REVIEW not in _open(_page(client, clinician, patient, moment))


# --- a switch of dosing time at maintenance ------------------------------------------------

SEP_30 = date(2026, 9, 30)
DEC_4_EVENING = datetime(2026, 12, 4, 20, tzinfo=UTC)


def switched(night):
    """The standard plan, with morning dosing from ``night``."""
    first = plain(1, AUG_6, STANDARD)
    return (
        first,
        titration.PlainVersion(
            number=2,
            effective_night=night,
            start_date=AUG_6,
            steps=first.steps,
            dosing_time=titration.MORNING,
        ),
    )


def test_a_dismissed_review_stays_dismissed_across_a_switch_to_morning_dosing():
    """Dismissed on 4 Dec dosing in the evening, mornings from 10 Dec: the same maintenance
    and the same eight weeks; due again when the next eight weeks since 3 Sep begin."""
    versions = switched(DEC_10)
    dismissed = dismissed_on(versions, date(2026, 12, 4))
    assert review_on(versions, date(2026, 12, 14), dismissed) == []
    assert review_on(versions, date(2026, 12, 23), dismissed) == []
    [back] = review_on(versions, date(2026, 12, 24), dismissed)
    assert back.key == "maintenance-4.50mg-from-2026-09-03-review-2"


# What the review was keyed by on 4 Dec before the count ran across a switch: since the
# switch's first night (30 Sep), day 66, in the first eight weeks counted from there.
KEY_BEFORE_THE_FIX = "maintenance-4.50mg-from-2026-09-30-review-1"


def test_a_review_dismissed_before_the_fix_still_covers_its_eight_weeks():
    """Its eight weeks were counted from 30 Sep: to 19 Jan. The review is due again on
    20 Jan, not on 24 Dec (the second eight weeks since 3 Sep) nor never."""
    versions = switched(SEP_30)
    dismissed = frozenset({(rules.REVIEW_BENEFIT, KEY_BEFORE_THE_FIX)})
    [review] = review_on(versions, date(2026, 12, 4))
    assert review.former_keys == (KEY_BEFORE_THE_FIX,)
    for tonight in (date(2026, 12, 4), date(2026, 12, 24), date(2027, 1, 19)):
        assert review_on(versions, tonight, dismissed) == [], tonight
    [back] = review_on(versions, date(2027, 1, 20), dismissed)
    assert back.key == "maintenance-4.50mg-from-2026-09-03-review-2"


def test_a_review_without_a_switch_has_no_former_key():
    [review] = review_on((plain(1, AUG_6, STANDARD),), date(2026, 12, 4))
    assert review.former_keys == ()


def test_a_review_dismissed_on_the_page_stays_dismissed_after_a_switch_to_mornings(
    client, clinician
):
    patient = patient_with_little_relief(clinician)
    _dismiss_the_review(client, clinician, patient, DEC_4_EVENING)
    _switch(patient, clinician, titration.MORNING, datetime(2026, 12, 5, 9, tzinfo=UTC))
    give_nights([patient], date(2026, 12, 13), 9, pain=6)  # 5-13 Dec
    page = _page(client, clinician, patient, datetime(2026, 12, 14, 20, tzinfo=UTC))
    assert "Step 3 of 3, day 103" in page  # at maintenance since 3 Sep, across the switch
    assert REVIEW not in _open(page)


def test_a_review_dismissed_after_a_switch_before_the_fix_stays_dismissed_on_both_pages(
    client, clinician
):
    patient = patient_with_little_relief(clinician, switched=True)
    SuggestionDismissal.objects.create(
        patient=patient,
        kind=rules.REVIEW_BENEFIT,
        evidence_key=KEY_BEFORE_THE_FIX,
        dismissed_by=clinician,
        reason="Discussed at the visit",
    )
    for name in ("clinic:patient", "clinic:plan"):
        page = _page(client, clinician, patient, DEC_4_EVENING, name)
        assert "Step 3 of 3, day 93" in page
        assert REVIEW not in _open(page)
        assert "Discussed at the visit" in page
