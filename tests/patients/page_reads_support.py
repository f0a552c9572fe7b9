"""The patient page's flags as evaluated over the whole record (the page-reads tests')."""

from patients.clinic import dashboard
from patients.clinic.dashboard import extra_scale
from patients.rules import flags as flag_rules
from patients.rules import scales as scale_defs


def whole_record_flags(page, every):
    """The flags as the page evaluated them when it read every night (before issue 19's
    windows): first reports and the last entry derived from the records themselves."""
    return flag_rules.evaluate(
        every,
        page.plan.versions,
        page.today,
        tz=page.patient.tz,
        scales=[*scale_defs.SYMPTOMS, scale_defs.SLEEP, *map(extra_scale, page.scales)],
        joined=page.plan.night_of(page.patient.created_at, page.patient.tz),
        urgent=dashboard.urgent_records(page.patient, page.plan),
        account_open=page.patient.user.is_active,
    )
