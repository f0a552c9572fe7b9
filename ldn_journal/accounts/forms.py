"""Sign-up through an invitation, and the invitation forms for admins and clinicians."""

from allauth.account.forms import LoginForm, SignupForm
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts import invitations
from ldn_journal.accounts.adapter import invitation_no_longer_valid
from ldn_journal.accounts.languages import LANGUAGE_CHOICES
from ldn_journal.accounts.models import Role, User
from patients.models import Patient


class SignInForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            # Patients stay signed in for 30 days; staff are still signed out when idle.
            self.fields["remember"].label = _("Keep me signed in on this device")


class InvitedSignupForm(SignupForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How your care team will see you, for example “Sam Taylor”."),
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth builds its forms without the request; it keeps the current one in a context.
        request = context.request
        self.invitation = invitations.invitation_from_session(request) if request else None
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        if self.invitation is not None:
            self.fields["email"].initial = self.invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = _("The address your invitation was sent to.")

    def clean_email(self):
        value = self.cleaned_data.get("email", "").strip().lower()
        if self.invitation is None:
            raise forms.ValidationError(_("This invitation is no longer valid."))
        if value != self.invitation.email.lower():
            raise forms.ValidationError(
                _(
                    "This invitation is for a different address. Sign up with the address the "
                    "invitation was sent to."
                )
            )
        return super().clean_email()

    def try_save(self, request):
        if self.account_already_exists:
            # The invited address got its account after this form was opened: the same link
            # accepted in another tab or browser a moment ago. allauth would answer "check your
            # email" (it hides which addresses have accounts; the invited person owns this one):
            # say the link is used, as when the two sign-ups meet at the invitation's lock.

            return None, invitation_no_longer_valid(request)
        return super().try_save(request)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        roles = invitations.roles_invitable_by(inviter)
        role_field = self.fields["role"]
        role_field.choices = [(r.value, r.label) for r in roles]
        role_field.error_messages["invalid_choice"] = (
            _("You can invite patients only.")
            if roles == [Role.PATIENT]
            else _("You can invite clinicians or admins only.")
        )
        if roles == [Role.PATIENT]:
            role_field.widget = forms.HiddenInput()
            role_field.initial = Role.PATIENT


class LanguageForm(forms.ModelForm):
    """The user's language: pages, emails and notifications follow it, else the browser."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGE_CHOICES,
        required=False,
        help_text=_("Pages, emails and notifications are in this language."),
    )

    class Meta:
        model = User
        fields = ["language"]


class CareTeamLinkForm(forms.Form):
    """An admin puts a clinician on a patient's care team directly (no request)."""

    patient_email = forms.EmailField(label=_("Patient's email address"), max_length=254)
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by(
            "display_name", "email"
        ),
        empty_label=None,
    )

    def clean_patient_email(self):
        email = self.cleaned_data["patient_email"].strip().lower()
        patient = Patient.objects.filter(user__email__iexact=email).select_related("user").first()
        if patient is None:
            raise forms.ValidationError(
                _(
                    "No patient account has this address. Invite a new patient from a "
                    "clinician's account instead."
                )
            )
        self.patient = patient
        return email
