"""The clinic's three built-in plan templates (seeded by a data migration and by seed_demo)."""

from decimal import Decimal

from django.utils.translation import gettext_noop


def _rising(first: str, last: str, increment: str, days: int) -> list[dict]:
    steps, dose = [], Decimal(first)
    while dose < Decimal(last):
        steps.append({"dose_mg": f"{dose:.2f}", "days": days})
        dose += Decimal(increment)
    steps.append({"dose_mg": f"{Decimal(last):.2f}", "days": None})  # maintenance, open-ended
    return steps


BUILT_IN_TEMPLATES = [
    {
        "name": gettext_noop("Standard"),
        "description": gettext_noop(
            "1.5 mg, then 3.0 mg, then 4.5 mg maintenance; 14 days per step."
        ),
        "liquid_only": False,
        "steps": _rising("1.5", "4.5", "1.5", 14),
    },
    {
        "name": gettext_noop("Gentle start"),
        "description": gettext_noop(
            "For sensitive patients: 1.0 mg, rising 0.5 mg every 14 days to 4.5 mg."
        ),
        "liquid_only": False,
        "steps": _rising("1.0", "4.5", "0.5", 14),
    },
    {
        "name": gettext_noop("Liquid micro-titration"),
        "description": gettext_noop("Liquid only: 1.0 mg, rising 0.25 mg every 7 days to 4.5 mg."),
        "liquid_only": True,
        "steps": _rising("1.0", "4.5", "0.25", 7),
    },
]


# The English texts of the built-in templates: shown in the reader's language while the
# clinic has not changed them (PlanTemplate.shown_name, shown_description).
BUILT_IN_TEXTS = frozenset(
    text for spec in BUILT_IN_TEMPLATES for text in (spec["name"], spec["description"])
)


def ensure_builtin_templates(template_model):
    """Create any missing built-in template; never overwrite a clinic's edits to one."""
    for spec in BUILT_IN_TEMPLATES:
        template_model.objects.get_or_create(
            name=spec["name"],
            defaults={
                "description": spec["description"],
                "liquid_only": spec["liquid_only"],
                "steps": spec["steps"],
                "built_in": True,
            },
        )
