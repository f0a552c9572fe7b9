"""What the suggestion tests share (test_suggestions_under_a_hold_or_pause.py,
test_suggestions_only_about_the_open_prescription.py): each kind's evidence as plain values,
the plan shapes they are judged under (held, ended), and the two pages that show them with
Apply. The patient the pages read is conftest's ``vivid_after_step_up``."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.urls import reverse

from prescriptions import suggestions as rules
from prescriptions import titration
from prescriptions.suggestions import NightFacts, suggestions_for
from tests.prescriptions.factories import plan_steps

JAN_1 = date(2026, 1, 1)
AUG_6 = date(2026, 8, 6)


def version(start, steps):
    return titration.PlainVersion(
        number=1, effective_night=start, start_date=start, steps=plan_steps(steps)
    )


def held(versions, hold_from, hold_until=None):
    """The plan with a hold signed from ``hold_from`` (to ``hold_until``; None: until
    resumed), on the same steps."""
    latest = versions[-1]
    return (
        *versions,
        titration.PlainVersion(
            number=latest.number + 1,
            effective_night=hold_from,
            start_date=latest.start_date,
            steps=latest.steps,
            hold_from=hold_from,
            hold_until=hold_until,
        ),
    )


def taken(night, dose="3.0", **values):
    return NightFacts(night=night, taken=True, dose_mg=Decimal(dose), **values)


def jan(day):
    return date(2026, 1, day)


# Each kind's evidence, as it stands on ``tonight``: (plan, nights, tonight, first night).
EVIDENCE = {
    # Stepped up to 3 mg on 8 Jan; vivid dreams of intensity 8 on the 8th, 9th and 10th.
    rules.VIVID_DREAMS: (
        (version(JAN_1, (("1.5", 7), ("3.0", 7), ("4.5", None))),),
        [taken(jan(d), dreams="vivid", dream_intensity=8) for d in (8, 9, 10)],
        jan(11),
        None,
    ),
    # Sleep quality 2/10 on three of the last seven nights, dosing in the evening.
    rules.MORNING_DOSING: (
        (version(JAN_1, (("1.5", None),)),),
        [taken(jan(d), dose="1.5", sleep_quality=2) for d in (6, 8, 10)],
        jan(11),
        None,
    ),
    # 1.5 mg for 14 nights from 1 Jan, every night taken: the step ends tonight, 14 Jan.
    rules.NEXT_STEP: (
        (version(JAN_1, (("1.5", 14), ("3.0", None))),),
        [taken(jan(d), dose="1.5") for d in range(1, 14)],
        jan(14),
        None,
    ),
    # At 4.5 mg maintenance since 3 Sep; pain 7/10 in the first two weeks, 6/10 lately.
    rules.REVIEW_BENEFIT: (
        (version(AUG_6, (("1.5", 14), ("3.0", 14), ("4.5", None))),),
        [NightFacts(AUG_6 + timedelta(days=d), pain=7) for d in range(14)]
        + [NightFacts(date(2026, 12, 3) - timedelta(days=d), pain=6) for d in range(14)],
        date(2026, 12, 4),
        AUG_6,
    ),
}
KINDS = list(EVIDENCE)


def raised(kind, plan=None, tonight=None, **extra):
    versions, nights, evidence_tonight, first_night = EVIDENCE[kind]
    tonight = tonight or evidence_tonight
    found = suggestions_for(
        plan or versions, nights, tonight - timedelta(days=1), first_night, **extra
    )
    return [s.kind for s in found]


def ended(versions, night):
    """The plan with an ending signed from ``night`` (changes.end_change's shape)."""
    latest = versions[-1]
    return (
        *versions,
        titration.PlainVersion(
            number=latest.number + 1,
            effective_night=night,
            start_date=latest.start_date,
            steps=latest.steps,
            hold_from=night,
            ends=True,
        ),
    )


# --- the pages: the patient page's and the plan page's panel, and Apply ---------------------

VIVID_TITLE = "Consider returning to the previous dose"
APPLY_KEY = "?suggestion=vivid_dreams&key=step-up-2026-01-08"
# 14:00 in London on 11 Jan: tonight is the 11th.
JAN_11 = datetime(2026, 1, 11, 14, tzinfo=UTC)


def get(client, clinician, url):
    with time_machine.travel(JAN_11, tick=False):
        client.force_login(clinician)  # staff sessions end after 30 minutes idle
        response = client.get(url)
    assert response.status_code == 200
    return response


def panels(client, clinician, patient):
    """The patient page's and the plan page's panel: what each raises tonight."""
    return [
        get(client, clinician, reverse(name, args=[patient.pk])).content.decode()
        for name in ("clinic:patient", "clinic:plan")
    ]


def applied(client, clinician, patient):
    """Apply on the vivid-dreams suggestion, as a page opened earlier links it."""
    url = reverse("clinic:plan_change", args=[patient.pk]) + APPLY_KEY
    return get(client, clinician, url).context["suggestion"]
