"""The clinician's plan panel for one patient: queries in one place, for any page to embed.

``plan_panel_context(request, patient)`` returns the context that
``templates/prescriptions/clinic/_plan_panel.html`` needs, in at most 8 queries whatever the
number of versions, and records the read in the access log.
"""

from datetime import timedelta

from django.utils import timezone

from ldn_journal.accounts.access_log import record_access
from patients.rules.nights import tonight
from prescriptions import suggestions as rules
from prescriptions import titration
from prescriptions.changes import is_held_on_or_after
from prescriptions.models import SuggestionDismissal
from prescriptions.night_facts import night_facts
from prescriptions.plans import last_ending, plan_rows


def patient_tonight(patient, plain_versions, now):
    """Tonight's night for the patient, under the dosing time their plan has then."""
    evening_night = tonight(now, patient.tz, titration.EVENING)
    dosing_time = titration.dosing_time_on(plain_versions, evening_night)
    return tonight(now, patient.tz, dosing_time)


def current_suggestions(patient, prescription, plain_versions, tonight_night):
    """Suggestions still open for the patient (3 queries: entries, side effects, dismissals)."""
    if prescription is None or not plain_versions:
        return []
    last_night = tonight_night - timedelta(days=1)
    first_night = prescription.start_date
    facts = night_facts(patient, rules.nights_needed(plain_versions, last_night, first_night))
    dismissed = frozenset(
        SuggestionDismissal.objects.filter(patient=patient).values_list("kind", "evidence_key")
    )
    return rules.suggestions_for(plain_versions, facts, last_night, first_night, dismissed)


def plan_state(patient, now=None):
    """Prescription, version rows, plain versions, tonight and position (2 queries)."""
    now = now or timezone.now()
    prescription, rows = plan_rows(patient)
    plain = [row.as_plain() for row in rows]
    night = patient_tonight(patient, plain, now)
    position = titration.current_step(plain, night)
    latest = plain[-1] if plain else None
    return {
        "prescription": prescription,
        "versions": rows,
        "plain_versions": plain,
        "latest": latest,
        "latest_row": rows[-1] if rows else None,
        "tonight": night,
        "position": position,
    }


def schedule_rows(version, position):
    """The steps of a version with their dates, marking the one in effect tonight."""
    if version is None:
        return []
    return [
        {
            "number": index + 1,
            "dose_mg": step.dose_mg,
            "days": step.days,
            "first": first,
            "last": last,
            "current": position.status == titration.ACTIVE
            and position.version_number == version.number
            and position.step_index == index,
        }
        for index, (first, last, step) in enumerate(titration.step_schedule(version))
    ]


def plan_panel_context(request, patient, now=None):
    """Everything the plan panel shows for ``patient`` (already through the access gate)."""
    state = plan_state(patient, now)
    in_effect = titration.version_in_effect(state["plain_versions"], state["tonight"])
    # The newest version may start later than tonight (a scheduled hold or change): show its
    # calendar, since that is the one the clinician would edit.
    shown = state["latest"] or in_effect
    context = {
        "patient": patient,
        **state,
        "schedule": schedule_rows(shown, state["position"]),
        "is_held": bool(state["latest"] and is_held_on_or_after(state["latest"], state["tonight"])),
        "suggestions": current_suggestions(
            patient, state["prescription"], state["plain_versions"], state["tonight"]
        ),
        "versions_newest_first": list(reversed(state["versions"])),
        # Only without a current prescription (one more query): how the last one ended.
        "ending": last_ending(patient) if state["prescription"] is None else None,
    }
    record_access(request, "plan.read", patient=patient, obj=state["prescription"])
    return context
