"""The patient's "My plan" page: tonight's dose, the next change and the history of changes
(the earlier prescriptions' too).

Patients read their plan; they never see the care team's internal reasons, and nothing here
accepts a POST (any POST answers 404, like every plan URL a patient is not meant to use).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required
from patients.models import Patient
from patients.pause import urgent_state
from patients.rules import nights
from prescriptions import request_plan, titration
from prescriptions.panel import earlier_prescriptions, plan_state, row_dates

# The dose card's heading, in the home card's word for the night (nights.relative_night):
# before noon an evening doser is still in last night, whose dose the card shows; it said
# "Your dose tonight" over last night's 3 mg with tonight's 4.5 mg as the next change below
# (found by QA).
_DOSE_HEADINGS = {
    nights.TONIGHT: gettext_lazy("Your dose tonight"),
    nights.LAST_NIGHT: gettext_lazy("Your dose last night"),
    nights.TODAY: gettext_lazy("Your dose this morning"),
    nights.YESTERDAY: gettext_lazy("Your dose yesterday morning"),
}


def dose_heading(patient, night, dosing_time, now) -> str:
    """My plan's heading over the night's dose, as the home card names the night."""
    today = timezone.localtime(now, patient.tz).date()
    word = nights.relative_night(night, today, dosing_time)
    return str(_DOSE_HEADINGS.get(word, _DOSE_HEADINGS[nights.TONIGHT]))


@role_required(Role.PATIENT)
def my_plan(request):
    if request.method != "GET":
        raise Http404
    patient = get_object_or_404(Patient.objects.visible_to(request.user))
    now = timezone.now()
    state = plan_state(patient, now)
    request_plan.keep(request, patient, state["plan"])
    position, night = state["position"], state["tonight"]
    schedule = state["plan"].steps_ahead(night)
    replaced = state["plan"].replaced_before_effect()
    return render(
        request,
        "prescriptions/patient/my_plan.html",
        {
            "patient": patient,
            "prescription": state["prescription"],
            "position": position,
            "dose_heading": dose_heading(patient, night, position.dosing_time, now),
            "hold_until": state["hold_until"],
            # The hold's last night, as the home card says it: included ("Until the night
            # of 9 Dec" read as a restart on the 9th), and a morning doser's is a day.
            "hold_until_morning": state["hold_until"] is not None
            and state["plan"].dosing_time_on(state["hold_until"]) == titration.MORNING,
            "next_change": state["next_change"],
            "volume_ml": position.volume_ml,
            "tonight": night,
            # The note the home card shows (PlanView.patient_hold_note: the hold's, not a
            # restart's, unless the restart cut the hold short).
            "hold_note": state["plan"].patient_hold_note(night),
            # Tonight's step, the holds and the steps after them, with the nights the
            # clinician's plan panel shows (the one list: PlanView.steps_ahead).
            "schedule": schedule,
            # Each row with its words when a switch of dosing time cuts it (panel.row_dates,
            # counted as the plan panel's Length counts the row), else None.
            "schedule_rows": [(row, row_dates(state["plan"].versions, row)) for row in schedule],
            # Tonight's night of its step, counted as the steps list dates the step.
            "night_in_step": schedule[0].night_number(night) if schedule else None,
            # Each step says when it is taken once the steps have more than one dosing time.
            "schedule_dosing_times": titration.dosing_times_differ(schedule),
            # Newest first, each with the version that replaced it before it took effect
            # (None if it did): the fact the visit report marks (PlanView's one answer).
            "changes": [
                (version, replaced.get(version.pk)) for version in reversed(state["versions"])
            ],
            # The versions still to come tonight, marked "Upcoming" as the clinician's plan
            # page and the visit report mark them (PlanView.upcoming: the one answer).
            "upcoming": state["plan"].upcoming(night),
            "ending": state["ending"],
            # The patient's other prescriptions, newest first, as the clinician's plan page
            # lists them (panel.earlier_prescriptions, from the plan already loaded: no
            # query), each change marked as the current list marks it.
            "earlier_prescriptions": [
                {
                    **earlier,
                    "changes": [
                        (version, replaced.get(version.pk))
                        for version in earlier["versions_newest_first"]
                    ],
                }
                for earlier in earlier_prescriptions(state["plan"])
            ],
            # The urgent pause (patients.rules.pause through its one loader). Wiring point:
            # read here until plans.PlanView carries the pause itself.
            "pause": urgent_state(patient.pk, now).pause(now),
        },
    )
