"""The journal forms' offline tag: which account a form kept on the phone was filled in for.

Its own library: the journal's tags are read by prescriptions, which may not import the
journal's offline module (import-linter)."""

from django import template
from django.utils.html import format_html

from patients.journal import offline

register = template.Library()


@register.simple_tag(takes_context=True)
def kept_by(context):
    """The hidden field naming the account a journal form is filled in for (a form kept
    offline is sent only for it: patients.journal.offline.ReplayOwnerMiddleware)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', offline.OWNER_FIELD, offline.owner_mark(user)
    )


@register.simple_tag(takes_context=True)
def kept_by_marks(context):
    """The marks of the signed-in account, space-separated, for the page's outbox list
    (static/js/journal.js): a form kept on this phone for another account is not listed as
    this one's, and not sent for it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return " ".join(offline.owner_marks(user))
