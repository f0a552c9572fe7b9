"""``{{ value|phrase }}``: a pure rule's sentence (a wording.Phrase) in the viewer's language."""

from django import template

from patients import wording

register = template.Library()


@register.filter
def phrase(value):
    """The phrase translated (plain text: the template escapes it as any other value)."""
    return wording.translate(value)
