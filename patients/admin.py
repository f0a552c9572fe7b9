from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import CareTeamMembership, Patient


class CareTeamInline(admin.TabularInline):
    model = CareTeamMembership
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
