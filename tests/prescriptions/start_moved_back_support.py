"""The Change steps page signed with its start date moved (the step-start tests')."""

from tests.prescriptions.skipped_steps_support import EVENING
from tests.prescriptions.step_numbers_support import _change_url, _form_inputs, _open, _post


def change(clinician, patient, start, at=EVENING, **extra):
    """The Change steps page as opened, with its start date set to ``start``, signed."""
    url = _change_url(patient)
    data = _form_inputs(_open(clinician, url, at).content.decode())
    return _post(
        clinician, url, {**data, "start_date": str(start), "reason": "Review", **extra}, at
    )
