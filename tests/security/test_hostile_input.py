"""Every form a patient or clinician can submit, fed hostile values by hypothesis.

Never a 5xx; nothing stored when refused; no script echoed back. See tests/security/hostile.py
for the harness and the strategies. Add a HostileForm here whenever a new form lands.
"""

import pytest
from hypothesis import strategies as st

from ldn_journal.accounts.forms import InvitedSignupForm, InviteForm
from tests.security.access_rules import build_cast
from tests.security.hostile import HostileForm, check_form, hostile_strings

INVITE_MODELS = ("accounts.Invitation", "accounts.User", "patients.CareTeamMembership")


def _open_invitation_in_session(client):
    def setup(cast):
        invitation = cast.objects["invitation_by_clinician_a"]
        token = invitation.new_token()
        invitation.save()
        response = client.get(f"/invite/{token}/")
        assert response.status_code == 302

    return setup


def _password():
    return st.one_of(
        st.just("a-long-enough-passphrase-2026"),
        st.sampled_from(["password1234", "123456789012", "short", "invited.patient@example.org"]),
        hostile_strings(),
    )


FORMS = [
    HostileForm(
        name="clinician invites a patient",
        role="clinician_a",
        url=lambda cast: "/clinic/invite/",
        form_class=InviteForm,
        form_kwargs=lambda cast: {"inviter": cast.clinician_a},
        extra={"email": st.sampled_from(["new.patient@example.org", "patient.b@example.org"])},
        models=INVITE_MODELS,
    ),
    HostileForm(
        name="admin invites a clinician",
        role="admin",
        url=lambda cast: "/manage/invite/",
        form_class=InviteForm,
        form_kwargs=lambda cast: {"inviter": cast.admin},
        models=INVITE_MODELS,
    ),
]


def _signup_form(client):
    return HostileForm(
        name="invited person signs up",
        role="anonymous",
        url=lambda cast: "/accounts/signup/",
        form_class=InvitedSignupForm,
        extra={
            "email": st.sampled_from(["invited.patient@example.org", "someone.else@example.org"]),
            "password1": _password(),
            "password2": _password(),
        },
        setup=_open_invitation_in_session(client),
        models=INVITE_MODELS + ("patients.Patient", "account.EmailAddress"),
    )


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # Rate limits would turn most examples into a 429 and test nothing else; they have their
    # own tests (tests/security/test_hardening.py).
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.mark.parametrize("spec", FORMS, ids=[f.name for f in FORMS])
def test_hostile_values_never_break_a_form_or_store_anything_when_refused(spec, client, db):
    assert check_form(spec, client, build_cast()) > 0


def test_hostile_values_never_break_the_invited_sign_up(client, db):
    assert check_form(_signup_form(client), client, build_cast()) > 0
