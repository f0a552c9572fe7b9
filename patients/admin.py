from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from ldn_journal.accounts.access_log import record_access
from patients.models import CareTeamMembership, Patient


class CareTeamFormSet(BaseInlineFormSet):
    """The care team as Django's admin edits it, under the rule the admins' own pages keep
    (care_team.remove_clinician): the last active clinician is not removed. The inline let
    an admin delete the patient's only clinician (found by exploratory testing)."""

    def clean(self):
        super().clean()
        removed, kept = [], []
        for form in self.forms:
            clinician = (getattr(form, "cleaned_data", None) or {}).get("clinician")
            if clinician is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk:
                    removed.append(clinician)
            else:
                kept.append(clinician)
        if any(c.is_active for c in removed) and not any(c.is_active for c in kept):
            raise ValidationError(
                _(
                    "This would leave the patient with no active clinician. Add another "
                    "clinician first, or transfer the patient, so someone can still read "
                    "their journal."
                )
            )


class CareTeamInline(admin.TabularInline):
    model = CareTeamMembership
    formset = CareTeamFormSet
    fk_name = "patient"
    extra = 0
    autocomplete_fields = ["clinician"]
    # The list's sort columns are the attention writer's copy, never edited by hand.
    fields = ["clinician", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "user", "time_zone", "created_at"]
    search_fields = ["user__email", "user__display_name"]
    inlines = [CareTeamInline]
    exclude = ["next_reminder_at"]
    # When the row was made: a record, not an admin's to edit. As an input it was shown in
    # the admin's zone, and in the hour the clocks go back that time happens twice, so the
    # admin refused to save the patient at all ("may be ambiguous"). Whose record it is, too:
    # the account was a select of every user, so a save could move a patient's whole journal
    # to another account (and a profile could be added to a clinician's or admin's account);
    # a patient's profile is made when they accept their invitation.
    readonly_fields = ["created_at", "user"]

    def has_add_permission(self, request):
        return False

    # DESIGN 4: every read of a patient's data by an admin is in the access log. The change
    # page shows the patient's conditions and care team, the history page their changes;
    # both were read with no row written (found by an adversarial pass).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        patient = self._patient_read(request, object_id, response)
        if patient is not None:
            record_access(request, "admin.patient_view", patient=patient, obj=patient)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        patient = self._patient_read(request, object_id, response)
        if patient is not None:
            record_access(request, "admin.patient_history", patient=patient, obj=patient)
        return response

    def _patient_read(self, request, object_id, response):
        """The patient a GET answered 200 showed, else None."""
        if request.method != "GET" or response.status_code != 200:
            return None
        return self.get_object(request, object_id)
