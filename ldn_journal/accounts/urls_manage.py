from django.urls import path

from ldn_journal.accounts import closure_views, manage_coverage, views
from patients.clinic import access_log
from patients.clinic import views as clinic_views
from patients.urgent import admin_views as urgent_admin

app_name = "manage"

urlpatterns = [
    path("", views.people, name="people"),
    path("people/<int:user_id>/active/", views.set_active, name="set_active"),
    path("people/<int:user_id>/mfa-reset/", views.manage_mfa_reset, name="mfa_reset"),
    path("people/<int:user_id>/close/", closure_views.close_person, name="close_person"),
    path("closures/", closure_views.closure_list, name="closures"),
    path("closures/<int:pk>/complete/", closure_views.closure_complete, name="closure_complete"),
    path("invite/", views.manage_invite, name="invite"),
    path("invitations/", views.manage_invitations, name="invitations"),
    path("invitations/bulk/", views.manage_bulk_invitations, name="bulk_invitations"),
    path(
        "invitations/bulk/template.csv",
        views.manage_bulk_invitation_template,
        name="bulk_invitation_template",
    ),
    path("invitations/bulk/<int:pk>/", views.manage_bulk_invitation, name="bulk_invitation"),
    path(
        "invitations/bulk/<int:pk>/send/",
        views.manage_bulk_invitation_send,
        name="bulk_invitation_send",
    ),
    path(
        "invitations/<int:pk>/<str:action>/",
        views.manage_invitation_action,
        name="invitation_action",
    ),
    path("care-team/", views.manage_care_team, name="care_team"),
    path(
        "care-team/<int:patient_id>/remove/<int:clinician_id>/",
        views.manage_care_team_remove,
        name="care_team_remove",
    ),
    path("care-team/transfer/", views.manage_care_team_transfer, name="care_team_transfer"),
    path("coverage/", manage_coverage.coverage_list, name="coverage"),
    path("coverage/new/", manage_coverage.coverage_new, name="coverage_new"),
    path("coverage/<int:pk>/end/", manage_coverage.coverage_end, name="coverage_end"),
    path("access-log/", access_log.admin_access_log, name="access_log"),
    path(
        "patients/<int:pk>/identifiers/",
        clinic_views.manage_patient_identifiers,
        name="patient_identifiers",
    ),
    path("urgent/", urgent_admin.unassigned, name="urgent_unassigned"),
    path("urgent/<int:pk>/", urgent_admin.report, name="urgent_report"),
    path("urgent/<int:pk>/assign/", urgent_admin.assign, name="urgent_assign"),
]
