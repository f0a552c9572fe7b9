"""The clinician pages' small pieces, one writer each: a plan position, an adherence figure and
a flag's badge, written by patients.clinic.list_rows as the clinician list writes them (each
was a template include, ~0.3 ms, and a second copy of the list's markup).

    {% load clinic %}
    {% plan_position p.position %}  {% adherence p.adherence_7 %}
    {% flag_badge flag %}  {% flag_badge flag reviewed=True %}
"""

from django import template
from django.utils.safestring import mark_safe

from patients.clinic import list_rows

register = template.Library()


@register.simple_tag
def plan_position(position):
    return mark_safe(list_rows.position_html(position))  # noqa: S308 - every value escaped


@register.simple_tag
def adherence(a, dosing_time="evening"):
    return mark_safe(list_rows.adherence_html(a, dosing_time))  # noqa: S308 - every value escaped


@register.simple_tag
def flag_badge(flag, reviewed=False):
    return mark_safe(list_rows.flag_badge_html(flag, reviewed=reviewed))  # noqa: S308 - every value escaped
