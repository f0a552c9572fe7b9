"""The signed-in patient's urgent reports for their history pages (one query)."""

from django import template

from ldn_journal.compiled_queries import CompiledQuery
from patients.journal.entries import is_signed_in_patient, signed_in_patient
from patients.models import UrgentReport

register = template.Library()

SHOWN = 10


def _reports(user):
    return UrgentReport.objects.visible_to(user).select_related("acknowledged_by")[:SHOWN]


# The gate's query for a signed-in patient's reports, compiled once per process.
_OWN_REPORTS = CompiledQuery(lambda user_id: _reports(signed_in_patient(user_id)), -7_000_007)


@register.inclusion_tag("patients/urgent/history_section.html", takes_context=True)
def urgent_history(context):
    user = context["request"].user
    # The patient, for a report that names no zone of its own (logged_moment): the page's.
    patient = context.get("patient")
    if is_signed_in_patient(user):
        return {"reports": _OWN_REPORTS.instances(user.pk), "patient": patient}
    return {"reports": list(_reports(user)), "patient": patient}
