"""{% field_row %} writes what includes/field.html wrote, and the form renderer's error
lists what Django's error list templates write: the same HTML, byte for byte, for every
field of a form with every edge (required or not, help text, errors, characters to escape,
no ids) and of the project's forms, in each language (the "(optional)" label)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from ldn_journal.field_rows import field_html
from ldn_journal.forms_renderer import FormRenderer
from patients.clinic.forms import NoteForm
from tests.widget_templates_support import EVERY_WIDGET_DATA, STOCK, TRICKY, EveryWidget

# templates/includes/field.html, included once per field until {% field_row %} replaced it;
# since then a group of choices (field.use_fieldset) is a fieldset named by a legend, as
# Django's own field template writes it (its <label for=""> pointed nowhere).
FIELD_INCLUDE = (
    '{% load i18n %}{% if field.use_fieldset %}<fieldset class="field field-group{% if field.errors %} has-error{% endif %}">\n'  # noqa: E501
    '  <legend>{{ field.label }}{% if not field.field.required and not field.field.conditionally_required %} <span class="muted small">{% translate "(optional)" %}</span>{% endif %}</legend>\n'  # noqa: E501
    "{% else %}"
    '<div class="field{% if field.errors %} has-error{% endif %}">\n'
    '  <label for="{{ field.id_for_label }}">{{ field.label }}{% if not field.field.required and not field.field.conditionally_required %} <span class="muted small">{% translate "(optional)" %}</span>{% endif %}</label>\n'  # noqa: E501
    "{% endif %}"
    "  {{ field }}\n"
    '  {% if field.help_text %}<p class="help" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</p>{% endif %}\n'  # noqa: E501
    "  {{ field.errors }}\n"
    "{% if field.use_fieldset %}</fieldset>{% else %}</div>{% endif %}\n"
)


def _included(field):
    return engines["django"].from_string(FIELD_INCLUDE).render({"field": field})


class HelpAndSafe(forms.Form):
    plain = forms.CharField(help_text=mark_safe("<em>safe</em> help"), label=mark_safe("<b>L</b>"))
    optional = forms.CharField(required=False, help_text=TRICKY)


@pytest.mark.parametrize("language", ["en-gb", "de", "es"])
@pytest.mark.parametrize("data", [None, *EVERY_WIDGET_DATA])
def test_a_field_row_is_the_include(language, data):
    with translation.override(language):
        for form in (
            EveryWidget(data),
            EveryWidget(data, auto_id=False),
            EveryWidget(data, prefix="p"),
            HelpAndSafe(data),
            NoteForm(data),
        ):
            if data is not None:
                form.is_valid()
            for field in form:
                assert field_html(field) == _included(field), (type(form).__name__, field.name)


def test_a_group_of_choices_is_a_fieldset_named_by_its_legend_and_no_label_points_nowhere():
    form = EveryWidget({})
    groups = [field for field in form if field.use_fieldset]
    assert groups, "EveryWidget has radios and checkbox groups"
    for field in groups:
        html = field_html(field)
        assert html.startswith('<fieldset class="field field-group')
        assert f"<legend>{field.label}" in html
        assert 'for=""' not in html
    for field in form:
        assert 'for=""' not in field_html(field), field.name


def test_the_tag_writes_the_row():
    field = HelpAndSafe({"plain": ""})["plain"]
    tag = engines["django"].from_string("{% field_row field %}").render({"field": field})
    assert tag == _included(field)
    assert "has-error" in tag
    assert "<em>safe</em> help" in tag


@pytest.mark.parametrize(
    "errors",
    [
        ErrorList(),
        ErrorList(["one", TRICKY]),
        ErrorList([ValidationError("as a %(what)s", params={"what": TRICKY})], field_id="id_x"),
        ErrorList([mark_safe("<i>safe</i>")], error_class="nonfield", field_id=""),
    ],
)
def test_error_lists_are_djangos(errors):
    for template in ("django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"):
        ours = FormRenderer().render(template, errors.get_context())
        assert ours == STOCK.render(template, errors.get_context()), template
    assert str(errors) == errors.render(renderer=STOCK)


def test_a_name_that_is_no_field_writes_nothing():
    """A mistyped field reads as the engine's empty string: no row, never a 500."""
    page = engines["django"].from_string("[{% field_row form.nope %}]")
    assert page.render({"form": NoteForm()}) == "[]"
