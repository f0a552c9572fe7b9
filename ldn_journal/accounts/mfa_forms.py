"""allauth's passkey forms, refusing a malformed credential as a wrong code instead of a 500.

allauth parses the posted credential with fido2's ``from_dict``, which raises ``KeyError``
for a JSON object without ``rawId`` (``{"id": 1}``); allauth catches only ``TypeError`` and
``ValueError``, so the passkey sign-in page (reachable signed out) answered 500. Wired in by
``MFA_FORMS`` in the settings.
"""

from allauth.account.adapter import get_adapter
from allauth.mfa.webauthn import forms as allauth_forms

MALFORMED = (KeyError, IndexError, AttributeError, TypeError, ValueError)


def _refused():
    return get_adapter().validation_error("incorrect_code")


class _SafeCredential:
    def clean_credential(self):
        try:
            return super().clean_credential()
        except MALFORMED as exc:
            raise _refused() from exc


class _SafeRegistration:
    def clean(self):
        try:
            return super().clean()
        except MALFORMED as exc:
            raise _refused() from exc


class AuthenticateWebAuthnForm(_SafeCredential, allauth_forms.AuthenticateWebAuthnForm):
    pass


class LoginWebAuthnForm(_SafeCredential, allauth_forms.LoginWebAuthnForm):
    pass


class ReauthenticateWebAuthnForm(_SafeCredential, allauth_forms.ReauthenticateWebAuthnForm):
    pass


class AddWebAuthnForm(_SafeRegistration, allauth_forms.AddWebAuthnForm):
    pass


class SignupWebAuthnForm(_SafeRegistration, allauth_forms.SignupWebAuthnForm):
    pass
