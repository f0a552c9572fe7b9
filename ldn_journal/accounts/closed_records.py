"""A closed patient's record is kept read-only for the care team (accounts.closure closes
it): a change to it is refused with a message that says so."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ldn_journal.accounts.models import is_closed


def refuse_change_to_closed_record(request, patient, back):
    """A change to a closed patient's record (a plan change, hold, resume or ending, a note,
    a review, a scale) answers with a message and a redirect to ``back``; None while the
    account is open. The care team kept every form of an active patient after the closure
    (found by exploratory QA); the record stays readable and exportable."""
    if not is_closed(patient.user):
        return None
    messages.error(request, read_only_message())
    return redirect(back)


def read_only_message() -> str:
    return _(
        "This patient's account is closed: the record is kept read-only and can no longer "
        "be changed."
    )
