"""A form field's row (label, widget, help, errors) without the template engine.

``{% field_row form.name %}`` writes what ``{% include "includes/field.html" with
field=form.name %}`` wrote, byte for byte (tests/test_field_rows.py renders both over every
branch): that include and the empty error list inside it cost a patient page a template
include per field, about 0.3 ms each on this kind of machine. A builtin of the project's
template engine (settings.TEMPLATES), so every template has it without a ``{% load %}``.
"""

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ldn_journal.forms_renderer import render_value as _out

register = template.Library()


def field_html(field) -> str:
    """includes/field.html for a bound field; a group of choices (``use_fieldset``: radios,
    checkboxes) as a fieldset named by its legend."""
    errors = field.errors
    # A field needed only with another answer ("Other") says when in its help text, not
    # "(optional)" (conditionally_required: patients.journal.forms).
    optional = (
        ""
        if field.field.required or getattr(field.field, "conditionally_required", False)
        else f' <span class="muted small">{conditional_escape(gettext("(optional)"))}</span>'
    )
    help_text = field.help_text
    help_html = (
        f'<p class="help" id="{_out(field.auto_id)}_helptext">{_out(help_text)}</p>'
        if help_text
        else ""
    )
    error_class = " has-error" if errors else ""
    if field.use_fieldset:
        # A group of radios or checkboxes has no one input to label: its name is a legend
        # (a <label for=""> pointed nowhere), as Django's own field template writes it.
        return (
            f'<fieldset class="field field-group{error_class}">\n'
            f"  <legend>{_out(field.label)}{optional}</legend>\n"
            f"  {_out(field)}\n"
            f"  {help_html}\n"
            f"  {_out(errors)}\n"
            "</fieldset>\n"
        )
    return (
        f'<div class="field{error_class}">\n'
        f'  <label for="{_out(field.id_for_label)}">{_out(field.label)}{optional}</label>\n'
        f"  {_out(field)}\n"
        f"  {help_html}\n"
        f"  {_out(errors)}\n"
        "</div>\n"
    )


@register.simple_tag
def field_row(field):
    """{% field_row form.name %}: field_html; nothing for a name that is no field (a
    mistyped one reads as the engine's empty string), never a 500."""
    if not isinstance(field, BoundField):
        return ""
    return mark_safe(field_html(field))  # noqa: S308 - every value went through _out
