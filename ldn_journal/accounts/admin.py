"""Django admin for admins only: users, invitations and a read-only access log."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts import invitations
from ldn_journal.accounts.accounts_admin import LastClinician, is_closed, set_user_active
from ldn_journal.accounts.models import AccessLog, Invitation, Role, User
from ldn_journal.accounts.names import validate_person_name
from patients import care_team


class UserAdminForm(UserChangeForm):
    def clean_display_name(self):
        """The name check every form that sets a name runs (accounts.names)."""
        name = self.cleaned_data.get("display_name", "")
        validate_person_name(name)
        return name

    def clean_is_active(self):
        """The same refusal as the People page, before anything is saved."""
        active = self.cleaned_data.get("is_active")
        user = self.instance
        if user.pk and user.is_active and not active and user.role == Role.CLINICIAN:
            alone = list(care_team.patients_left_alone(user))
            if alone:
                raise ValidationError(
                    f"{LastClinician(user, alone)} Deactivate them from the People page, "
                    "which lets you choose who takes the patients over."
                )
        return active


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login", "deactivated_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "role"]}),
        ("Status", {"fields": ["is_active", "deactivated_at", "last_login", "date_joined"]}),
    ]
    filter_horizontal = []

    # Accounts are made by invitation (the person sets their own password, staff then set up
    # a second factor), closed through the closure flow, and a role is fixed at invitation:
    # this page added users with a password an admin chose and changed roles (a patient made
    # admin became staff) with none of that and nothing in the access log. Deleting a user
    # here would bypass the closure's retention and blank the actor of their audit rows.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A closed account stays closed: its "active" box cannot be ticked again here either.
        fields = [*super().get_readonly_fields(request, obj), "role"]
        if obj is not None and is_closed(obj):
            fields.append("is_active")
        if obj is not None:
            # An account's sign-in address is its owner's to change (allauth verifies the new
            # one): an admin who set it to an address of their own could reset the password
            # and sign in as a patient, reading the journal under the patient's name.
            fields.append("email")
        return fields

    def user_change_password(self, request, id, form_url=""):
        """No one's password is set by an admin: with it an admin could sign in as a patient
        (who needs no second factor) and read their journal with nothing in the access log
        but the patient's own sign-in. People reset their own by the emailed link; an admin
        changes their own under /accounts/password/change/ (found by an adversarial pass)."""
        raise Http404

    def save_model(self, request, obj, form, change):
        switch = change and "is_active" in form.changed_data
        wanted = obj.is_active
        if switch:
            # The switch itself goes through the People page's path (stamp the time, end
            # sessions, log it), which changes only what the stored row does not say yet.
            obj.is_active = form.initial["is_active"]
        super().save_model(request, obj, form, change)
        if switch and set_user_active(obj, wanted, request=request) and not wanted:
            # Nobody takes them over here (the People page asks for a taker): say so.
            left = invitations.open_for_clinician(obj).count() if obj.role == Role.CLINICIAN else 0
            if left:
                self.message_user(
                    request, invitations.left_behind_message(obj, left), messages.WARNING
                )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "invited_by", "created_at", "expires_at", "state"]
    list_select_related = ["invited_by", "clinician"]  # the state reads the clinician
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False  # invitations are sent from the management pages, which email the link

    @admin.display(description=_("Status"))
    def state(self, obj):
        # The words the management pages show; the bare status showed its code
        # ("clinician_left").
        return obj.status.label


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "actor_role", "patient", "action", "object_type", "ip"]
    list_filter = ["action", "actor_role"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
