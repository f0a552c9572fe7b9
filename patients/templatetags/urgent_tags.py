"""The signed-in patient's urgent reports for their history pages (one query)."""

from django import template

from patients.models import UrgentReport

register = template.Library()


@register.inclusion_tag("patients/urgent/history_section.html", takes_context=True)
def urgent_history(context, limit=10):
    user = context["request"].user
    reports = UrgentReport.objects.visible_to(user).select_related("acknowledged_by")[:limit]
    return {"reports": list(reports)}
