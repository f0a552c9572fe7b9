"""A form with every widget, and data that exercises it (the widget template tests')."""

from datetime import date

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

STOCK = DjangoTemplates()  # Django's templates only (django/forms/templates)
TRICKY = "<b>\"Tom\" & 'Jerry'</b>"


class CustomOptionRadio(forms.RadioSelect):
    """A radio group whose options use another template: rendered through an include."""

    option_template_name = "django/forms/widgets/input_option.html"


class EveryWidget(forms.Form):
    text = forms.CharField(
        label=TRICKY,
        help_text="Help for the text",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "data-on": True,
                "data-off": False,
                "data-one": 1,
            }
        ),
    )
    number = forms.IntegerField(required=False, min_value=0)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "maxlength": 10}))
    agree = forms.BooleanField()
    scale = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(11)],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        help_text="0 is none",
    )
    grouped = forms.ChoiceField(
        choices=[
            ("Mild", [("1", "a little"), ("2", mark_safe("<em>some</em>"))]),
            (TRICKY, TRICKY),
            (mark_safe("x&amp;y"), "a value already safe"),
            ("", gettext_lazy("No")),
        ],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", TRICKY), ("d", date(2026, 3, 1)), ("Group", [("z", 1000)])],
        widget=forms.CheckboxSelectMultiple,
    )
    pick = forms.ChoiceField(choices=[("", "---"), ("Group", [("a", TRICKY)]), ("b", "B")])
    picks = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.SelectMultiple(attrs={"size": 2})
    )
    custom = forms.ChoiceField(choices=[("1", "one"), ("2", "two")], widget=CustomOptionRadio)


EVERY_WIDGET_DATA = [
    {},
    {
        "text": TRICKY,
        "number": "-1",
        "email": "not an email",
        "password": TRICKY,
        "hidden": TRICKY,
        "day": "2026-02-30",
        "at": "25:61",
        "when": "soon",
        "notes": TRICKY * 3,
        "scale": "11",
        "grouped": "nope",
        "many": ["x", "nope"],
        "pick": "nope",
        "picks": ["a", "nope"],
        "custom": "3",
    },
    {
        "text": "1.5",
        "number": "3",
        "email": "a@example.org",
        "password": "secret",
        "day": "2026-03-01",
        "at": "21:00",
        "when": "2026-03-01T21:00",
        "notes": "fine",
        "agree": "on",
        "scale": "0",
        "grouped": TRICKY,
        "many": ["x", "z"],
        "pick": "a",
        "picks": ["a", "b"],
        "custom": "2",
    },
]
