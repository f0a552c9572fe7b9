"""The form renderer writes Django's widget HTML in Python: the same HTML, byte for byte.

ldn_journal/forms_renderer.py renders Django's input, radio/checkbox group, select and textarea
templates in Python, only to be faster (each option of a radio group, such as the 0-10 scales
of the morning check-in, was four nested template includes). Here every widget of a form with
every edge (optgroups, attributes that are True, False or 1, characters to escape, lazy and
safe labels, a custom option template, no ids) and of the journal's own forms is rendered with
Django's stock renderer and with ours, and compared.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import engines

from ldn_journal.forms_renderer import FormRenderer
from patients.clinic.forms import ChartForm, NoteForm, PatientListForm, ReviewForm
from patients.journal.forms import MorningForm, SkipForm
from patients.urgent.forms import UrgentReportForm
from prescriptions.forms import DismissForm, StepRowForm
from tests.widget_templates_support import EVERY_WIDGET_DATA, STOCK, TRICKY, EveryWidget

SUBMISSION_ID = "0770de4d-d788-47a9-9e57-025e8c3beb0a"
SCALE = SimpleNamespace(pk=7, name=TRICKY, low_anchor="clear", high_anchor="foggy")
MORNING_DATA = {
    "submission_id": "not-a-uuid",
    "sleep_quality": "7",
    "dreams": "vivid",
    "pain": "11",
    "mood": TRICKY,
    "side_nausea": "2",
    "side_other": "9",
    "side_other_text": TRICKY,
    "scale_7": "10",
    "notes": TRICKY,
}


def _cases():
    for data in EVERY_WIDGET_DATA:
        yield "every widget", EveryWidget, (data or None,), {}
        yield "every widget without ids", EveryWidget, (data or None,), {"auto_id": False}
    yield "every widget with initial values", EveryWidget, (), {"initial": EVERY_WIDGET_DATA[2]}
    for data in (None, MORNING_DATA, {"pain": "3", "fatigue": "0"}):
        yield "morning check-in", MorningForm, (data,), {"extra_scales": [SCALE]}
    yield "morning check-in, initial", MorningForm, (), {"initial": {"pain": 4, "dreams": "none"}}
    for form_class, kwargs in [
        (SkipForm, {}),
        (UrgentReportForm, {}),
        (PatientListForm, {}),
        (ChartForm, {}),
        (ReviewForm, {"today": date(2026, 3, 1), "first": date(2026, 1, 1)}),
        (NoteForm, {}),
        (DismissForm, {}),
        (StepRowForm, {}),
    ]:
        yield form_class.__name__, form_class, (None,), kwargs
        junk = {name: TRICKY for name in form_class.base_fields}
        yield form_class.__name__ + " refused", form_class, (junk,), kwargs


CASES = list(_cases())


def _rendered(form_class, args, kwargs, renderer):
    if "submission_id" in form_class.base_fields:  # a new random id per form otherwise
        kwargs = {
            **kwargs,
            "initial": {"submission_id": SUBMISSION_ID, **kwargs.get("initial", {})},
        }
    form = form_class(*args, renderer=renderer, **kwargs)
    fields = [(bf.name, str(bf), str(bf.errors)) for bf in form]
    return fields, str(form)


@pytest.mark.parametrize(
    ("form_class", "args", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_our_widget_templates_render_what_djangos_render(form_class, args, kwargs):
    ours, ours_form = _rendered(form_class, args, kwargs, get_default_renderer())
    stock, stock_form = _rendered(form_class, args, kwargs, STOCK)
    assert ours == stock
    assert ours_form == stock_form


def test_forms_use_it_and_the_common_widgets_skip_the_template_engine(monkeypatch):
    assert isinstance(get_default_renderer(), FormRenderer)
    through_templates = []
    template_render = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        through_templates.append(template_name)
        return template_render(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = MorningForm(MORNING_DATA, extra_scales=[SCALE])
    form.is_valid()
    for field in form:
        str(field)
    assert through_templates == []
    str(EveryWidget()["custom"])  # options with their own template: the engine renders them
    assert through_templates == ["django/forms/widgets/radio.html"]


def test_a_radio_scale_renders_its_labels_ids_and_attributes():
    form = MorningForm({"pain": "11"}, extra_scales=[SCALE])
    form.is_valid()
    html = str(form["pain"])
    assert html.count('type="radio"') == 12  # 0-10 and "No answer" (test_clear_a_score)
    assert '<label for="id_pain_0"><input type="radio" name="pain" value="0"' in html
    assert 'aria-invalid="true"' in html  # the refused value is marked on every option
    assert ">\n 10</label>" in html


def test_templates_are_compiled_once_whatever_debug_says():
    """Django caches compiled templates when no loaders are set, DEBUG or not: keep it so."""
    engine = engines["django"].engine
    assert [loader for loader, _ in engine.loaders] == ["django.template.loaders.cached.Loader"]
