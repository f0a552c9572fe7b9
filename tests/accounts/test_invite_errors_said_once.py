"""A refused invitation says each error once: a clinician's page said "You can invite
patients only." twice, in the summary at the top and again in a box of its own above the
email field (the role is a hidden field: it has no box to stand beside). Exploratory QA,
act_clinic_invite_1."""

import html
import re

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import Invitation, Role

pytestmark = pytest.mark.django_db


def _page(client, area, data):
    response = client.post(reverse(f"{area}:invite"), data)
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN, "superuser"])
def test_a_clinicians_tampered_role_is_said_once_at_the_top(clinician_client, role):
    page = _page(clinician_client, "clinic", {"email": "new@example.org", "role": role})
    assert page.count("You can invite patients only.") == 1
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert "You can invite patients only." in summary


def test_an_admins_missing_role_is_said_beside_the_role_and_linked_once(admin_client_):
    page = _page(admin_client_, "manage", {"email": "new@example.org"})
    # The GOV.UK pattern: the summary links to the field, the field says it beside itself.
    assert page.count("This field is required.") == 2
    assert re.search(r'<a href="#id_role[^"]*">[^<]+ — This field is required.</a>', page)
