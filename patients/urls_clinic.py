from django.urls import include, path

from ldn_journal.accounts import views as account_views

from .views import clinic
from .views import reminders as reminder_views
from .views import urgent as urgent_views

app_name = "clinic"

urlpatterns = [
    path("", clinic.patient_list, name="patients"),
    path("invite/", account_views.clinic_invite, name="invite"),
    path("invitations/", account_views.clinic_invitations, name="invitations"),
    path(
        "invitations/<int:pk>/<str:action>/",
        account_views.clinic_invitation_action,
        name="invitation_action",
    ),
    path("", include("prescriptions.urls_clinic")),
    path("reports/", urgent_views.clinic_reports, name="urgent_reports"),
    path("reports/<int:pk>/", urgent_views.clinic_report, name="urgent_report"),
    path("reports/<int:pk>/acknowledge/", urgent_views.acknowledge, name="urgent_acknowledge"),
    path("settings/", reminder_views.digest_settings, name="digest_settings"),
]
