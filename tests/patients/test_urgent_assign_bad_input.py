"""The admins' "assign a clinician" answers any posted value with the clear refusal, never a
500: `str.isdigit()` is true for characters `int()` refuses ("²", "①") and for numbers past
the id column's range, so the value reached the database lookup and raised."""

import pytest

from patients.models import CareTeamMembership
from tests.patients.urgent_support import report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "①", "9" * 30, " 7", "-3", "", "3.0"])
def test_assigning_a_value_that_names_no_clinician_is_refused_clearly(orphan, admins, value):
    made = report(orphan)
    response = signed_in_reauthenticated(admins[0]).post(
        f"/manage/urgent/{made.pk}/assign/", {"clinician": value}
    )
    assert response.status_code == 400
    assert "Choose a clinician from the list" in response.content.decode()
    assert (
        not CareTeamMembership.objects.filter(patient=orphan)
        .exclude(clinician__is_active=False)
        .exists()
    )
