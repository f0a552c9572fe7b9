"""Sign-up through an invitation, and the invitation forms for admins and clinicians."""

from allauth.account.forms import LoginForm, SignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts import bulk_invitations, invitations
from ldn_journal.accounts.adapter import invitation_no_longer_valid
from ldn_journal.accounts.languages import LANGUAGE_CHOICES, signup_language
from ldn_journal.accounts.middleware import cap_staff_expiry
from ldn_journal.accounts.models import Role, User, is_closed, open_accounts, with_closed_at
from ldn_journal.accounts.names import validate_person_name
from ldn_journal.ids import posted_id
from patients import care_team, guidance
from patients.models import Patient, known_time_zones
from patients.rules.emergency import zone_for_country
from patients.rules.nights import zone_choice_label

# The zones a new patient may choose (the settings page offers the same).
SIGNUP_TIME_ZONES = sorted(known_time_zones())


class SignInForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            # Patients stay signed in for 30 days; staff are still signed out when idle.
            self.fields["remember"].label = _("Keep me signed in on this device")

    def login(self, request, redirect_url=None):
        response = super().login(request, redirect_url)
        # allauth's "remember me" gives the session 30 days here, also when a second step
        # (the MFA code) is still to come and nobody is signed in yet, which the session
        # policy does not see: a staff member's pending sign-in is capped from this step on.
        user = getattr(self, "user", None)
        if user is not None and user.is_staff_role:
            cap_staff_expiry(request.session)
        return response


class InvitedSignupForm(SignupForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How your care team will see you, for example “Sam Taylor”."),
        validators=[validate_person_name],
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
            self.fields["display_name"].initial = self.invitation.display_name
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = _("The address your invitation was sent to.")
            self.fields["language"] = self._language_field()
            if self.invitation.role == Role.PATIENT:
                self.fields["time_zone"] = self._time_zone_field()
                self.fields["time_zone_confirmed"] = self._time_zone_confirmed_field()
            else:
                # A clinician or an admin has no care team of their own.
                self.fields["display_name"].help_text = _(
                    "How patients and colleagues will see you, for example “Sam Taylor”."
                )

    def _language_field(self):
        """The new account's language: the invitation's when it names one (a bulk
        invitation's column, in which its email was written), else the page's (the
        browser's). The page's language alone overrode the invitation's: a patient the
        clinic wrote to in Spanish, signing up on an English browser, was written to in
        English. Chosen here, it is theirs; a form posted without it keeps that default
        (`signup_language`)."""
        return forms.ChoiceField(
            label=_("Language"),
            choices=settings.LANGUAGES,
            required=False,
            initial=signup_language(self.invitation, ""),
            help_text=_("Pages, emails and notifications are in this language."),
        )

    def _time_zone_field(self):
        """A patient's nights, doses and reminders follow their zone. Every new patient got
        the clinic's default (Europe/London) until they found it in their settings: a
        patient in Germany was reminded an hour late (found by exploratory testing). The
        guess is their invitation's country (emergency.zone_for_country); the page's script
        puts the browser's zone in its place when the list has it. Without the script the
        guess is only preselected: the patient confirms it (`time_zone_confirmed`)."""
        guess = zone_for_country(self.invitation.country)
        return forms.ChoiceField(
            label=_("Your time zone"),
            choices=[(zone, zone_choice_label(zone)) for zone in SIGNUP_TIME_ZONES],
            initial=guess or settings.LDN_DEFAULT_PATIENT_TIME_ZONE,
            help_text=_(
                "Your nights, doses and reminders follow it. You can change it later in "
                "your settings."
            ),
            error_messages={
                "required": _(
                    "Choose your time zone from the list, such as Europe/London or "
                    "America/New_York."
                ),
                "invalid_choice": _(
                    "Choose your time zone from the list, such as Europe/London or "
                    "America/New_York."
                ),
            },
            # Only a first view takes the browser's zone: on a form sent back with an error
            # the script replaced the zone the patient had chosen (found by exploratory
            # testing).
            widget=forms.Select(
                attrs={"autocomplete": "off"} | ({} if self.is_bound else {"data-browser-zone": ""})
            ),
        )

    @staticmethod
    def _time_zone_confirmed_field():
        """A phone without JavaScript signed up in the preselected guess (the clinic's
        default, Europe/London) without a word: a patient in Los Angeles was then reminded at
        13:00 their time (found by exploratory QA). The guess is stored only once the
        patient ticks this; the page's script ticks and hides it when it read the phone's
        own zone."""
        return forms.BooleanField(
            label=_("This is my time zone"),
            required=False,
            help_text=_(
                "We could not read your phone's time zone, so the one above is a guess: "
                "check it first."
            ),
            widget=forms.CheckboxInput(attrs={"data-zone-confirmed": ""}),
        )

    def clean_time_zone_confirmed(self):
        confirmed = self.cleaned_data.get("time_zone_confirmed")
        if not confirmed:
            raise forms.ValidationError(
                _(
                    "Check that the time zone above is yours, then tick “This is my time "
                    "zone”: your nights and reminders follow it."
                )
            )
        return confirmed

    def clean(self):
        data = super().clean()
        if "time_zone" in self.errors:
            # A zone not in the list is refused; the list shown again starts at the guess,
            # not at nothing (which reads as its first zone, Africa/Abidjan, without the
            # script: found by exploratory testing).
            self.data = self.data.copy()
            self.data["time_zone"] = self.fields["time_zone"].initial
        return data

    def clean_email(self):
        value = self.cleaned_data.get("email", "").strip().lower()
        if self.invitation is None:
            # Used, revoked or expired between the view's check and this form: try_save says
            # so with the page every other late sign-up gets.
            return value
        if value != self.invitation.email.lower():
            raise forms.ValidationError(
                _(
                    "This invitation is for a different address. Sign up with the address the "
                    "invitation was sent to."
                )
            )
        return super().clean_email()

    def try_save(self, request):
        if self.invitation is None or self.account_already_exists:
            # The invitation was used (or revoked, or expired) after this form was opened: the
            # same link accepted in another tab or browser a moment ago, between the view's
            # check and this form reading the invitation (`invitation` is None), or the invited
            # address got its account. allauth would answer "check your email" (it hides which
            # addresses have accounts; the invited person owns this one) or a form error: say
            # the link is used, as when the two sign-ups meet at the invitation's lock.

            return None, invitation_no_longer_valid(request)
        return super().try_save(request)


class PeopleFilterForm(forms.Form):
    """The People page's search and role filter; an invalid one is dropped, with its
    message (a search holding a NUL character or longer than 100 characters)."""

    q = forms.CharField(
        label=_("Search by name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )

    def filters(self):
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return (data.get("q") or "").strip(), data.get("role") or ""


class CareTeamFilterForm(forms.Form):
    """The Care teams page's search of its patient list (paged: a clinic has hundreds)."""

    q = forms.CharField(
        label=_("Search by name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def query(self):
        self.is_valid()
        return (getattr(self, "cleaned_data", {}).get("q") or "").strip()


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    country = forms.ChoiceField(
        label=_("Patient's country"),
        required=False,
        help_text=_(
            "For patients: the emergency number they are shown. Empty: the country of "
            "their time zone. They can change it in their settings."
        ),
        error_messages={
            "invalid_choice": _(
                "Choose a country from the list, or leave it empty to use the "
                "country of the patient's time zone."
            )
        },
    )

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ("", _("From their time zone")),
            *guidance.country_choices(),
        ]
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
            # A hidden field cannot be corrected: a post without it said only "This field is
            # required." above the form (found by exploratory QA). Its one value is implied.
            role_field.required = False
        if Role.PATIENT not in roles:
            # An admin invites clinicians and admins: a patient's country has no use here.
            del self.fields["country"]

    def clean_role(self):
        return self.cleaned_data["role"] or self.fields["role"].initial


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
    # Every clinician, deactivated ones too (labelled so), as the coverage form: choosing one
    # (or one deactivated since the page was opened) gets "X is deactivated ..." rather than
    # a bare "not one of the available choices" (found by exploratory QA).
    # A closed account never joins a team again (nor comes back): not offered, where it
    # read "Closed account — deactivated" once per closed clinician. Each read with its
    # closure: a nameless deactivated clinician's label asks it (User.name), once per option.
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=open_accounts(User.objects.filter(role=Role.CLINICIAN)).order_by(
            "-is_active", "display_name", "email"
        ),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].label_from_instance = _clinician_choice

    def clean_clinician(self):
        clinician = self.cleaned_data["clinician"]
        try:
            care_team.check_can_join(clinician)
        except care_team.CareTeamError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return clinician

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


def _clinician_choice(user):
    # A closed account reads "Closed account" (User.name): "— deactivated" would add nothing.
    if user.is_active or is_closed(user):
        return user.name
    return f"{user.name} — {gettext('deactivated')}"


class CareTeamTransferForm(forms.Form):
    """An admin moves some or all of one clinician's patients to another clinician."""

    # A closed clinician's patients may still be moved off their team ("Closed account", read
    # with the closure: no query per option); a closed account never takes a patient, so it
    # is not offered as the target (listed by its placeholder address, found by QA).
    source = forms.ModelChoiceField(
        label=_("From clinician"),
        queryset=with_closed_at(User.objects.filter(role=Role.CLINICIAN)).order_by(
            "display_name", "email"
        ),
    )
    target = forms.ModelChoiceField(
        label=_("To clinician"),
        queryset=open_accounts(User.objects.filter(role=Role.CLINICIAN)).order_by(
            "display_name", "email"
        ),
    )
    patients = forms.ModelMultipleChoiceField(
        label=_("Patients to move"),
        queryset=Patient.objects.select_related("user"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to move every patient of the first clinician."),
    )
    note = forms.CharField(
        label=_("Handover note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Saved on each patient's record for the care team; not sent by email."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("source", "target"):
            self.fields[field].label_from_instance = _clinician_choice
        patients = self.fields["patients"]
        patients.label_from_instance = lambda p: f"{p.user.name} ({p.user.email})"
        source = self.data.get("source") or self.initial.get("source")
        if posted_id(source) is not None:
            # Only the chosen clinician's patients are offered (a clinic has hundreds).
            patients.queryset = patients.queryset.filter(care_team=source)
            # A patient ticked from the whole list (no clinician chosen yet when the page
            # opened) then fails here, before clean(): the admin read "Select a valid
            # choice. 6 is not one of the available choices." (found by exploratory QA).
            chosen = User.objects.filter(pk=posted_id(source), role=Role.CLINICIAN).first()
            if chosen is not None:
                # The field fills in %(value)s itself: a "%" in a name must stay a "%".
                message = self._strangers_message(chosen, self._posted_strangers(chosen))
                patients.error_messages = {
                    **patients.error_messages,
                    "invalid_choice": message.replace("%", "%%"),
                }

    def _posted_strangers(self, source):
        """The ticked patients who are not on ``source``'s care team: the list re-offered
        after the error holds only the source's patients, so their ticks are gone and the
        message is the one place left that says who they were (found by exploratory QA)."""
        getlist = getattr(self.data, "getlist", None)
        ids = [pk for pk in map(posted_id, getlist("patients") if getlist else ()) if pk]
        return list(
            Patient.objects.filter(pk__in=ids)
            .exclude(care_team=source)
            .select_related("user")
            .order_by("user__display_name", "user__email")
        )

    @staticmethod
    def _strangers_message(source, strangers=()):
        if not strangers:
            return _("Some chosen patients are not on %(name)s's care team.") % {
                "name": source.name
            }
        return _("Not on %(name)s's care team, so not moved: %(patients)s.") % {
            "name": source.name,
            "patients": ", ".join(f"{p.user.name} ({p.user.email})" for p in strangers),
        }

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not target.is_active:
            raise forms.ValidationError(
                _("%(name)s is deactivated: choose an active clinician to receive the patients.")
                % {"name": target.name}
            )
        return target

    def clean(self):
        data = super().clean()
        source, target = data.get("source"), data.get("target")
        if source is None or target is None:
            return data
        if source == target:
            raise forms.ValidationError(_("Choose two different clinicians."))
        if "patients" in self.errors:
            # Already said beside the list; "has no patients to move" would be wrong.
            return data
        on_team = Patient.objects.filter(care_team=source).select_related("user")
        chosen = data.get("patients")
        if chosen:
            strangers = [p for p in chosen if not on_team.filter(pk=p.pk).exists()]
            if strangers:
                raise forms.ValidationError(self._strangers_message(source, strangers))
            data["patients"] = list(chosen)
        else:
            data["patients"] = list(on_team)
            if not data["patients"]:
                raise forms.ValidationError(
                    _("%(name)s has no patients to move.") % {"name": source.name}
                )
        return data


class MfaResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: lost phone, confirmed by a call to the clinic. Kept in the access log."
        ),
    )


def closing_word():
    """The word typed to confirm a closure, in the page's language."""
    return gettext("CLOSE")


def confirms_closing(typed):
    """Whether the typed text is the closing word exactly as shown (spaces around it aside).

    The English word is accepted in every language (a page read in two languages), in the
    same capitals: closing cannot be undone, so the page's "exactly as shown" is meant."""
    return typed.strip() in {closing_word(), "CLOSE"}


class CloseAccountForm(forms.Form):
    """A typed confirmation: closing an account is not undone by a stray tap."""

    confirm = forms.CharField(max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["confirm"]
        field.label = gettext("Type %(word)s to confirm") % {"word": closing_word()}
        field.widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if not confirms_closing(typed):
            raise forms.ValidationError(
                gettext("Type %(word)s, exactly as shown, to confirm.") % {"word": closing_word()}
            )
        return typed


class BulkInvitationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, role, name, clinician, country, language, saved as CSV "
            "UTF-8. Nothing is sent until you confirm the preview."
        ),
        error_messages={
            "required": _("Choose a CSV file to upload."),
            "empty": _("The file is empty."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused from its size alone, before a byte of it is read.
        if upload.size > settings.LDN_BULK_INVITATION_MAX_BYTES:
            raise bulk_invitations.file_too_big()
        return upload


class BulkInvitationSendForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I checked the preview: send these invitations and care-team requests."),
        error_messages={"required": _("Tick the box to confirm, then send.")},
    )
    # The number the admin was shown: a changed batch is not sent on an old page's word.
    count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
