"""Plans and nights for the journal tests (prescriptions are made directly: no clinician
pages), the changes a clinician signs over them (save_version, as the plan pages do), and the
plan's steps as My plan and the clinician's plan panel list them."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions import plans
from prescriptions.changes import (
    dosing_time_change,
    end_change,
    hold_change,
    resume_change,
    save_version,
    steps_change,
)
from prescriptions.models import Formulation, PlanStep, PlanVersion, Prescription
from tests.prescriptions.factories import plan_steps
from tests.security.reauth import signed_in, signed_in_reauthenticated

# A Wednesday evening in London (GMT): 22:00 local = 22:00 UTC, night of 2026-11-25.
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TONIGHT = date(2026, 11, 25)


def make_plan(
    patient,
    author,
    steps=(("1.5", 60), ("3", 14), ("4.5", None)),
    *,
    start=date(2026, 11, 1),
    formulation=Formulation.CAPSULE,
    concentration=None,
    dosing_time="evening",
    hold_from=None,
    patient_note="",
):
    prescription = Prescription.objects.create(
        patient=patient,
        prescriber=author,
        formulation=formulation,
        strengths=["1.5", "3", "4.5"],
        concentration_mg_per_ml=concentration,
        start_date=start,
    )
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=1,
        effective_night=start,
        start_date=start,
        dosing_time=dosing_time,
        hold_from=hold_from,
        author=author,
        reason="Start",
        patient_note=patient_note,
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=i, dose_mg=Decimal(dose), days=days)
        for i, (dose, days) in enumerate(steps)
    )
    return prescription


def sign_change(patient, author, build, signed, **confirmed):
    """The clinician signs ``build(plan)``, a change built from the patient's plan as it is
    loaded now, as the plan's next version at ``signed`` (``confirmed``: what they confirm,
    as save_version takes it: confirmed_restart=...)."""
    plan = plans.load(patient)
    return save_version(
        prescription_id=plan.prescription.pk,
        author=author,
        based_on=plan.latest.number,
        change=build(plan),
        now=signed,
        **confirmed,
    )


def switch_dosing_time(
    patient,
    author,
    dosing_time,
    effective_night,
    *,
    reason="Sleep",
    signed=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
):
    """The clinician signs a change of the plan's dosing time from ``effective_night`` on,
    as the plan page does (save_version), at ``signed``."""
    return sign_change(
        patient,
        author,
        lambda plan: dosing_time_change(
            plan.latest, dosing_time=dosing_time, effective_night=effective_night, reason=reason
        ),
        signed,
    )


def sign_steps(
    patient, author, night, steps, *, signed, start=None, reason="Review", patient_note=""
):
    """The clinician signs new steps (``steps``: (dose, nights) rows, None for the last's
    nights) in effect from the night ``night``, step 1 beginning on ``start`` (default
    ``night``), built as the plan page builds it, from every version of the plan."""
    return sign_change(
        patient,
        author,
        lambda plan: steps_change(
            plan.latest,
            effective_night=night,
            start_date=start or night,
            steps=plan_steps(steps),
            reason=reason,
            patient_note=patient_note,
            versions=tuple(plan.versions),
        ),
        signed,
    )


def sign_hold(
    patient,
    author,
    hold_from,
    hold_until=None,
    *,
    signed,
    reason="Surgery",
    patient_note="",
    restart_on=None,
    restart_step=0,
    restart_signed=None,
    restart_reason="Healed",
    restart_note="",
    confirmed_restart=None,
    confirmed_increase=False,
):
    """The clinician holds the plan from the night ``hold_from`` to ``hold_until`` (None:
    open-ended), signed at ``signed``; ``confirmed_restart``: the night they confirm LDN
    restarts on, when the hold ends a hold until resumed (NeedsRestartConfirmation);
    ``confirmed_increase``: the increase a hold over a whole step makes (NeedsConfirmation). With
    ``restart_on``, then signs a restart on that night at the plan's step ``restart_step``
    (sign_restart), at ``restart_signed`` (default ``signed``). Returns the last version
    signed."""
    held = sign_change(
        patient,
        author,
        lambda plan: hold_change(
            plan.latest,
            hold_from=hold_from,
            hold_until=hold_until,
            reason=reason,
            patient_note=patient_note,
            versions=tuple(plan.versions),
        ),
        signed,
        confirmed_restart=confirmed_restart,
        confirmed_increase=confirmed_increase,
    )
    if restart_on is None:
        return held
    return sign_restart(
        patient,
        author,
        restart_on,
        restart_step,
        signed=restart_signed or signed,
        reason=restart_reason,
        patient_note=restart_note,
    )


def sign_restart(patient, author, on, step_index, *, signed, reason="Healed", patient_note=""):
    """The clinician restarts a held plan on the night ``on`` at its step ``step_index``,
    signed at ``signed`` (in the evening: its date is tonight) and built, as the Resume page
    builds it, from every version of the plan with tonight open to a change."""
    tonight = signed.date()
    return sign_change(
        patient,
        author,
        lambda plan: resume_change(
            plan.latest,
            tonight_night=tonight,
            resume_on=on,
            step_index=step_index,
            reason=reason,
            patient_note=patient_note,
            versions=plan.versions,
            first_night=tonight,
        ),
        signed,
    )


def sign_ending(patient, author, night, reason, *, patient_note=""):
    """The clinician ends the prescription from the night ``night`` (end_change), signed at
    noon UTC that day."""
    return sign_change(
        patient,
        author,
        lambda plan: end_change(
            plan.latest,
            tonight_night=night,
            reason=reason,
            patient_note=patient_note,
            versions=tuple(plan.versions),
        ),
        datetime.combine(night, datetime.min.time(), tzinfo=UTC).replace(hour=12),
    )


def a_year_of_nights(patient, last=TONIGHT, nights=365):
    """Nights taken every evening up to (not including) ``last``; every tenth skipped."""
    entries = []
    for offset in range(1, nights + 1):
        night = last - timedelta(days=offset)
        skipped = offset % 10 == 0
        entries.append(
            NightlyEntry(
                patient=patient,
                night=night,
                status="skipped" if skipped else "taken",
                dose_mg=None if skipped else Decimal("1.5"),
                prescribed_mg=Decimal("1.5"),
                taken_at=None
                if skipped
                else datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=22),
                skip_reason="forgot" if skipped else "",
                pain=offset % 11,
                mood=5,
            )
        )
    NightlyEntry.objects.bulk_create(entries)


def month_cell(page, day):
    """The class and the text of the calendar cell of ``day`` in the month a page shows (a
    day of another month, or today, has a second class); exactly one such cell."""
    found = re.findall(
        rf'<td class="night-([^" ]*)">(?:<a href="[^"]*">)?'
        rf'<span class="day">{day}</span>(.*?)</td>',
        page,
    )
    assert len(found) == 1, found
    return found[0]


def settings_data(**overrides):
    """The patient's settings form as a browser posts it (the merged settings page carries
    the reminder times too, issue 16), with ``overrides``."""
    return {
        "display_name": "Pat",
        "time_zone": "Europe/London",
        "reminder_time": "21:00",
        "remind_by_email": "on",
        "last_call_time": "22:30",
        "morning_checkin": "on",
        "morning_time": "08:00",
        **overrides,
    }


def your_steps(patient, now):
    """The rows of "Your steps" on the patient's My plan page at ``now``, each row's text
    with its white space folded; [] when the page lists no steps."""
    with time_machine.travel(now, tick=False):
        html = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
    if 'id="plan-steps"' not in html:
        return []
    section = html.split('id="plan-steps"', 1)[1].split("</section>", 1)[0]
    items = section.split("<li")[1:]
    return [" ".join(item.split(">", 1)[1].split("</li>")[0].split()) for item in items]


def panel_steps_table(patient, clinician, now):
    """The HTML of the steps table on the clinician's plan panel for ``patient`` at ``now``
    (the list your_steps reads on My plan: PlanView.steps_ahead)."""
    with time_machine.travel(now, tick=False):
        html = (
            signed_in_reauthenticated(clinician)
            .get(reverse("clinic:plan", args=[patient.pk]))
            .content.decode()
        )
    return html.split('class="table plan-steps"', 1)[1].split("</table>", 1)[0]


def visible_text(html):
    """A page or fragment's text as read on screen: tags dropped (each a space), whitespace
    collapsed. The plan tests compare surfaces by it."""
    out, inside = [], False
    for char in html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
            out.append(" ")
        elif not inside:
            out.append(char)
    return " ".join("".join(out).split())
