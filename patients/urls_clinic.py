from django.urls import include, path

from ldn_journal.accounts import views as account_views
from patients.clinic import break_glass
from patients.clinic import views as clinic
from patients.clinic.exports import formats  # noqa: F401 (registers <export_format:>)
from patients.notifications import views as reminder_views
from patients.urgent import views as urgent_views

app_name = "clinic"

urlpatterns = [
    path("", clinic.patient_list, name="patients"),
    path("patients/<int:pk>/", clinic.patient_detail, name="patient"),
    path("patients/<int:pk>/emergency-access/", break_glass.break_glass, name="break_glass"),
    path("patients/<int:pk>/notes/", clinic.add_note, name="add_note"),
    path("patients/<int:pk>/review/", clinic.mark_reviewed, name="mark_reviewed"),
    path("patients/<int:pk>/review/<int:review_pk>/undo/", clinic.undo_review, name="undo_review"),
    path("patients/<int:pk>/scales/", clinic.add_scale, name="add_scale"),
    path("patients/<int:pk>/scales/<int:scale_pk>/stop/", clinic.stop_scale, name="stop_scale"),
    path(
        "patients/<int:pk>/scales/<int:scale_pk>/ask/",
        clinic.ask_scale_again,
        name="ask_scale_again",
    ),
    path("patients/<int:pk>/identifiers/", clinic.patient_identifiers, name="identifiers"),
    path("patients/<int:pk>/nights/<str:night>/", clinic.night_detail, name="night"),
    path(
        "patients/<int:pk>/entries/<int:entry_pk>/history/",
        clinic.entry_history,
        name="entry_history",
    ),
    path("patients/<int:pk>/report/", clinic.visit_report, name="report"),
    path("patients/<int:pk>/export/<export_format:fmt>/", clinic.export, name="export"),
    path("invite/", account_views.clinic_invite, name="invite"),
    path("invitations/", account_views.clinic_invitations, name="invitations"),
    path(
        "invitations/<int:pk>/<str:action>/",
        account_views.clinic_invitation_action,
        name="invitation_action",
    ),
    path("", include("prescriptions.urls_clinic")),
    path("settings/", reminder_views.digest_settings, name="digest_settings"),
    path("reports/", urgent_views.clinic_reports, name="urgent_reports"),
    path("reports/<int:pk>/", urgent_views.clinic_report, name="urgent_report"),
    path("reports/<int:pk>/alert/", urgent_views.alert_link, name="urgent_alert"),
    path("reports/<int:pk>/acknowledge/", urgent_views.acknowledge, name="urgent_acknowledge"),
]
