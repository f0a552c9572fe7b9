from django.urls import path

from ldn_journal.accounts import views
from patients.clinic import access_log

app_name = "manage"

urlpatterns = [
    path("", views.people, name="people"),
    path("people/<int:user_id>/active/", views.set_active, name="set_active"),
    path("invite/", views.manage_invite, name="invite"),
    path("invitations/", views.manage_invitations, name="invitations"),
    path(
        "invitations/<int:pk>/<str:action>/",
        views.manage_invitation_action,
        name="invitation_action",
    ),
    path("care-team/", views.manage_care_team, name="care_team"),
    path("access-log/", access_log.admin_access_log, name="access_log"),
]
