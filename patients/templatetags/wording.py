"""``{{ value|phrase }}``: a pure rule's sentence (a wording.Phrase) in the viewer's language."""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from patients import wording
from patients.journal.charts import day_labels

register = template.Library()


@register.filter
def phrase(value):
    """The phrase translated (plain text: the template escapes it as any other value)."""
    return wording.translate(value)


@register.filter
def evidence_rows(evidence):
    """The rows of a suggestion's evidence table: the night (with its year when the table's
    nights are in more than one year), then "label: value · …", as the
    template loop wrote them (each a dozen filters per night: written here, as the chart's
    data table is)."""
    # With the year when the nights are in more than one (a review compares the first weeks
    # of treatment, a year back, with the last: "Thu 4 Dec" read as this week).
    years = {item.night.year for item in evidence}
    label = day_labels("day_date" if len(years) > 1 else "day")
    rows = []
    for item in evidence:
        values = " · ".join(
            f"{_shown(wording.translate(name))}: {_shown(wording.translate(value))}"
            for name, value in item.values
        )
        rows.append(
            f"\n            <tr><td>{conditional_escape(label(item.night))}</td>"
            f"<td>{values}</td></tr>\n            "
        )
    # Safe: every value went through conditional_escape(); the rest is our own markup.
    return mark_safe("".join(rows))  # noqa: S308


def _shown(value):
    """A value as ``{{ value }}`` writes it: localized, then escaped."""
    return conditional_escape(localize(value))
