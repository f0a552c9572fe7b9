"""The Change steps page carries the plan's steps before its first row (the hidden
steps_before), which the new version stores and numbers its steps by. A value the page was
not drawn with from the plan as signed now (tampered, or drawn from a plan or suggestion
that has changed) is refused as a stale plan, nothing saved (it was stored as posted: "5"
made the restarted plan's "Step 2 of 2" read "Step 6 of 6"); a value that is not a number
at all gets the field's message, never a 500."""

import pytest
from django.contrib.messages import get_messages

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.prescriptions.step_numbers_support import (
    DEC_6,
    _change_url,
    _form_inputs,
    _open,
    _post,
)

pytestmark = pytest.mark.django_db

STALE = (
    "The plan changed while you were editing: nothing was saved. Here is the plan as it is "
    "now; make your change again if it is still needed."
)


def _page(clinician, patient):
    return _form_inputs(_open(clinician, _change_url(patient), DEC_6).content.decode())


def test_the_page_carries_the_plans_numbering(restarted_at_step_2, clinician_a):
    assert _page(clinician_a, restarted_at_step_2)["steps_before"] == "1"


def test_signed_as_drawn_it_keeps_the_plans_numbering(restarted_at_step_2, clinician_a):
    page = _page(clinician_a, restarted_at_step_2)
    data = {**page, "reason": "Review", "steps-0-dose_mg": "3.00"}
    response = _post(clinician_a, _change_url(restarted_at_step_2), data, DEC_6)
    assert response.status_code == 302
    assert plans.load(restarted_at_step_2).latest.steps_before == 1


@pytest.mark.parametrize("tampered", ["5", "0", ""], ids=["five", "zero", "not sent"])
def test_a_numbering_the_page_was_not_drawn_with_is_refused(
    restarted_at_step_2, clinician_a, tampered
):
    before = PlanVersion.objects.count()
    data = {**_page(clinician_a, restarted_at_step_2), "reason": "Review"}
    data["steps-0-dose_mg"] = "3.00"
    data["steps_before"] = tampered
    response = _post(clinician_a, _change_url(restarted_at_step_2), data, DEC_6)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [STALE]
    assert PlanVersion.objects.count() == before
    assert plans.load(restarted_at_step_2).latest.steps_before == 1


@pytest.mark.parametrize("garbage", ["abc", "-1", "100", "1.5", "9" * 40, "1\x00"])
@pytest.mark.parametrize("button", ["save", "add_step"])
def test_garbage_gets_a_message_never_a_500(restarted_at_step_2, clinician_a, garbage, button):
    before = PlanVersion.objects.count()
    data = {**_page(clinician_a, restarted_at_step_2), "reason": "Review", button: "1"}
    data["steps_before"] = garbage
    response = _post(clinician_a, _change_url(restarted_at_step_2), data, DEC_6)
    assert response.status_code == 200
    if button == "save":
        assert "The plan's step numbering sent with this form is not valid" in (
            response.content.decode().replace("&#x27;", "'")
        )
    assert PlanVersion.objects.count() == before
