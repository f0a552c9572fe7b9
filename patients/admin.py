from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

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
    # admin refused to save the patient at all ("may be ambiguous").
    readonly_fields = ["created_at"]
