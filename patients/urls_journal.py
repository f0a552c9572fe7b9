from datetime import date

from django.urls import include, path, register_converter

from ldn_journal.accounts import closure_views
from patients.clinic import access_log
from patients.clinic.exports import formats  # noqa: F401 (registers <export_format:>)
from patients.journal import care_team
from patients.journal import views as journal
from patients.notifications import views as reminder_views
from patients.rules import nights
from patients.urgent import views as urgent_views


class NightConverter:
    """A night in the URL as an ISO date (2026-11-26); anything else is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value):
        # ValueError (e.g. 2026-02-30, or 0001-01-01: not a night a page shows) makes the URL
        # not match. The clinician's night page reads its night by the same rule.
        night = nights.night_named(value)
        if night is None:
            raise ValueError(value)
        return night

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(NightConverter, "night")

app_name = "journal"

urlpatterns = [
    path("", journal.home, name="home"),
    path("taken/", journal.taken_now, name="taken_now"),
    path("night/<night:night>/", journal.night_detail, name="night"),
    path("night/<night:night>/dose/", journal.evening, name="evening"),
    path("night/<night:night>/taken-at/", journal.taken_at, name="taken_at"),
    path("night/<night:night>/skip/", journal.skip, name="skip"),
    path("night/<night:night>/morning/", journal.morning, name="morning"),
    path("entry/<int:pk>/", journal.entry_detail, name="entry"),
    path("entry/<int:pk>/undo/", journal.undo, name="undo"),
    path("history/", journal.history, name="history"),
    path("history/list/", journal.history_list, name="history_list"),
    path("history/trends/", journal.trends, name="trends"),
    path("settings/", journal.patient_settings, name="settings"),
    path("settings/close/", closure_views.close_my_account, name="close_account"),
    path("more/", journal.more, name="more"),
    path("offline/", journal.offline_page, name="offline"),
    path("outbox-token/", journal.outbox_token, name="outbox_token"),
    path("care-team/", care_team.care_team_page, name="care_team"),
    path("care-team/<int:pk>/<str:decision>/", care_team.decide, name="care_team_decide"),
    path("plan/", include("prescriptions.urls_patient")),
    path("reaction/", urgent_views.report_reaction, name="urgent_report"),
    path("reaction/guidance/", urgent_views.offline_guidance, name="urgent_guidance"),
    path("reaction/<int:pk>/", urgent_views.patient_report, name="urgent_detail"),
    path("reminders/", reminder_views.reminder_settings, name="reminders"),
    path("reminders/push/", reminder_views.push_subscribe, name="push_subscribe"),
    path("reminders/push/<int:pk>/remove/", reminder_views.push_remove, name="push_remove"),
    # Issue 6: the patient's side of the access log and their own export.
    path("access/", access_log.my_access_log, name="access_log"),
    path("export/", access_log.my_export, name="export"),
    path("export/<export_format:fmt>/", access_log.my_export, name="export_format"),
]
