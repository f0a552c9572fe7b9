"""DESIGN §4: "A change to a plan never alters how an earlier night is judged." Once tonight's
dose is logged, tonight is judged: a change made now (new steps, a dosing-time switch, a
hold, a restart, an ending) takes effect from the next night. Before, a dose change from
tonight, accepted after tonight's 4.5 mg dose, turned that dose into a "dose deviation" flag
(found by an exploratory pass); only holds knew the rule (changes.first_changeable_night)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.clinic import dashboard
from patients.models import NightlyEntry
from prescriptions import changes, titration
from prescriptions.forms import DosingTimeForm, PlanStepsForm
from prescriptions.models import PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
TONIGHT = date(2026, 1, 15)
TOMORROW = date(2026, 1, 16)
NOW = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)  # London: tonight's dose logged at 22:00
STANDS = "Tonight’s dose is already logged and stands"


@pytest.fixture
def clinician():
    return ClinicianFactory()


@pytest.fixture
def patient(clinician):
    return PatientFactory(time_zone="Europe/London", clinicians=[clinician])


@pytest.fixture
def prescription(patient, clinician):
    return make_prescription(patient, clinician, START, steps=(("4.5", None),))


def log(patient, night=TONIGHT, status=NightlyEntry.Status.TAKEN):
    taken = status == NightlyEntry.Status.TAKEN
    return NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=status,
        dose_mg=Decimal("4.5") if taken else None,
        prescribed_mg=Decimal("4.5") if taken else None,
        taken_at=datetime(2026, 1, 15, 22, 0, tzinfo=UTC) if taken else None,
        evening_logged_at=datetime(2026, 1, 15, 22, 0, tzinfo=UTC),
    )


def latest(prescription):
    row = PlanVersion.objects.filter(prescription=prescription).order_by("-number").first()
    return row.as_plain(), row.number


def save(prescription, clinician, change, now=NOW):
    _plain, number = latest(prescription)
    return changes.save_version(
        prescription_id=prescription.pk, author=clinician, based_on=number, change=change, now=now
    )


def changes_from(plain, night):
    """Every kind of change a clinician can sign, taking effect from ``night``."""
    return {
        "steps": changes.steps_change(
            plain,
            effective_night=night,
            start_date=night,
            steps=(titration.Step(Decimal("3"), None),),
            reason="Vivid dreams",
        ),
        "dosing time": changes.dosing_time_change(
            plain, dosing_time=titration.MORNING, effective_night=night, reason="Sleep"
        ),
        "hold": changes.hold_change(plain, hold_from=night, hold_until=None, reason="Surgery"),
        "end": changes.end_change(plain, tonight_night=night, reason="Stopping"),
    }


def tonights_flags(patient, clinician):
    page = dashboard.patient_page(patient, [clinician], NOW)
    return sorted((flag.kind, str(flag.evidence)) for flag in page.flags)


@pytest.mark.parametrize("kind", ["steps", "dosing time", "hold", "end"])
def test_a_change_from_tonight_after_tonights_dose_is_refused(
    prescription, patient, clinician, kind
):
    log(patient)
    plain, _ = latest(prescription)
    with pytest.raises(changes.PlanChangeError, match=STANDS) as refused:
        save(prescription, clinician, changes_from(plain, TONIGHT)[kind])
    assert "16 Jan 2026" in str(refused.value)
    assert PlanVersion.objects.filter(prescription=prescription).count() == 1


@pytest.mark.parametrize("kind", ["steps", "dosing time", "hold", "end"])
def test_a_change_from_tomorrow_leaves_tonights_logged_dose_judged_as_it_was(
    prescription, patient, clinician, kind
):
    log(patient)
    before = tonights_flags(patient, clinician)
    plain, _ = latest(prescription)
    save(prescription, clinician, changes_from(plain, TOMORROW)[kind])
    assert tonights_flags(patient, clinician) == before


# Not a switch to mornings: tonight's morning has gone by 23:00, so it starts tomorrow at the
# earliest (test_switch_to_morning_first_day.py).
@pytest.mark.parametrize("kind", ["steps", "hold", "end"])
def test_before_tonights_dose_is_logged_a_change_may_start_tonight(
    prescription, patient, clinician, kind
):
    plain, _ = latest(prescription)
    save(prescription, clinician, changes_from(plain, TONIGHT)[kind])
    assert PlanVersion.objects.filter(prescription=prescription).count() == 2


def test_a_restart_from_tonight_after_tonights_skip_is_logged_is_refused(
    prescription, patient, clinician
):
    plain, _ = latest(prescription)
    save(
        prescription,
        clinician,
        changes.hold_change(plain, hold_from=date(2026, 1, 10), hold_until=None, reason="Op"),
        now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC),
    )
    log(patient, status=NightlyEntry.Status.SKIPPED)
    held, _ = latest(prescription)
    restart = changes.resume_change(
        held, tonight_night=TONIGHT, resume_on=TONIGHT, step_index=0, reason="Recovered"
    )
    with pytest.raises(changes.PlanChangeError, match=STANDS):
        save(prescription, clinician, restart)


def form_data(night, **extra):
    return {"based_on": "1", "reason": "Vivid dreams", "effective_night": night, **extra}


@pytest.mark.parametrize(
    ("form_class", "extra"),
    [(PlanStepsForm, {"start_date": "2026-01-01"}), (DosingTimeForm, {"dosing_time": "morning"})],
)
def test_the_forms_refuse_tonight_and_say_why_once_tonights_dose_is_logged(form_class, extra):
    kwargs = {"tonight": TONIGHT, "first_night": TOMORROW, "tonight_logged": True}
    if form_class is PlanStepsForm:
        kwargs["current_start"] = START
    form = form_class(form_data("2026-01-15", **extra), **kwargs)
    assert not form.is_valid()
    assert form.errors["effective_night"] == [
        f"{STANDS}: a change made now takes effect from the night of 16 Jan 2026."
    ]
    # Said once: as the error, not also as the field's help text (it was both).
    assert STANDS not in str(form.fields["effective_night"].help_text)
    assert STANDS in str(form_class(**kwargs).fields["effective_night"].help_text)
    assert form_class(form_data("2026-01-16", **extra), **kwargs).is_valid()


def _refused_from_tonight(prescription, name):
    """The form ``name`` posted with tonight as its first night, once tonight is logged."""
    _plain, number = latest(prescription)
    fields = {"based_on": str(number), "reason": "Review", "patient_note": ""}
    if name == "clinic:plan_change":
        fields |= {
            "effective_night": str(TONIGHT),
            "start_date": str(TONIGHT),
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000",
            "steps-0-dose_mg": "3.0",
            "steps-0-days": "",
        }
    elif name == "clinic:plan_dosing_time":
        fields |= {"effective_night": str(TONIGHT), "dosing_time": "morning"}
    elif name == "clinic:plan_hold":
        fields |= {"hold_reason": "Other", "hold_from": str(TONIGHT), "hold_until": ""}
    else:
        fields |= {"resume_on": str(TONIGHT), "step": "0"}
    return fields


@pytest.mark.parametrize(
    "name",
    ["clinic:plan_change", "clinic:plan_dosing_time", "clinic:plan_hold", "clinic:plan_resume"],
)
def test_a_form_refused_for_tonight_says_the_logged_dose_stands_once(
    prescription, patient, clinician, name
):
    log(patient)
    if name == "clinic:plan_resume":
        plain, _ = latest(prescription)
        save(prescription, clinician, changes_from(plain, TOMORROW)["hold"])
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse(name, args=[patient.pk]), _refused_from_tonight(prescription, name)
        )
    text = response.content.decode()
    assert response.status_code == 200
    # Once under the field (as its error, no longer also as its help text), and once in
    # the form's error summary, which links to the field.
    assert text.count(STANDS) == 2
    assert 'class="error-summary"' in text
    assert "_helptext" not in text.split(STANDS)[1]
    assert PlanVersion.objects.filter(prescription=prescription).count() == (
        2 if name == "clinic:plan_resume" else 1
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("clinic:plan_change", 'name="effective_night" value="2026-01-16"'),
        ("clinic:plan_dosing_time", 'name="effective_night" value="2026-01-16"'),
        ("clinic:plan_end", "First night without a dose: 16 Jan."),
    ],
)
def test_the_plan_pages_start_a_change_tomorrow_once_tonights_dose_is_logged(
    prescription, patient, clinician, name, says
):
    log(patient)
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(NOW, tick=False):
        text = client.get(reverse(name, args=[patient.pk])).content.decode()
    assert says in text


def test_a_morning_dosers_plan_pages_speak_of_todays_dose(patient, clinician):
    """A morning doser's logged dose is today's: the pages said "Tonight's dose is already
    logged" of it (found by a review of the session's diff)."""
    make_prescription(
        patient, clinician, START, steps=(("4.5", None),), dosing_time=titration.MORNING
    )
    morning = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # London: the morning of the 15th
    NightlyEntry.objects.create(
        patient=patient,
        night=TONIGHT,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("4.5"),
        prescribed_mg=Decimal("4.5"),
        taken_at=datetime(2026, 1, 15, 8, 0, tzinfo=UTC),
        evening_logged_at=datetime(2026, 1, 15, 8, 0, tzinfo=UTC),
    )
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(morning, tick=False):
        for name in ("clinic:plan_change", "clinic:plan_hold", "clinic:plan_end"):
            text = client.get(reverse(name, args=[patient.pk])).content.decode()
            said = text.replace("&#x27;", "’").replace("'", "’")
            assert "Today’s dose is already logged" in said, name
            assert "Tonight’s dose is already logged" not in said, name


def test_a_refused_change_is_told_in_the_clinicians_language(prescription, patient, clinician):
    """The save check's messages were English f-strings shown as they were on German and
    Spanish pages (here: the dosing time the plan already has)."""
    clinician.language = "de"
    clinician.save(update_fields=["language"])
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    _plain, number = latest(prescription)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_dosing_time", args=[patient.pk]),
            {
                "based_on": number,
                "dosing_time": "evening",
                "effective_night": "2026-01-16",
                "reason": "Schlaf",
            },
        )
    text = response.content.decode()
    assert "Der Plan sieht bereits die Einnahme am Abend vor" in text
    assert "already uses" not in text
    assert PlanVersion.objects.filter(prescription=prescription).count() == 1
