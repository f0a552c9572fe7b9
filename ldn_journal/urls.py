from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import Http404
from django.urls import include, path

from ldn_journal.accounts import views as account_views
from ldn_journal.operations.views import metrics_view
from patients.notifications import views as reminder_views


def _admin_only(request):
    # Signed-in clinicians and patients get 404 anywhere under /admin/, as in any other area
    # not theirs (Django would otherwise redirect them to the admin's login page).
    if request.user.is_authenticated and not (request.user.is_admin and request.user.is_active):
        raise Http404
    return _has_permission(request)


_has_permission = admin.site.has_permission
admin.site.has_permission = _admin_only
_secure_login = secure_admin_login(admin.site.login)


def _admin_login(request, extra_context=None):
    # Admin sign-in goes through allauth (same form, rate limits and second factor);
    # allauth answers 403 to signed-in non-staff, here it is 404 like every other area.
    if request.user.is_authenticated and not request.user.is_admin:
        raise Http404
    return _secure_login(request, extra_context)


admin.site.login = _admin_login
admin.site.site_header = "LDN Journal administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("invite/<str:token>/", account_views.accept_invitation, name="accept_invitation"),
    path("accounts/language/", account_views.language, name="account_language"),
    path("accounts/", include("allauth.urls")),
    path("journal/", include("patients.urls_journal")),
    path("clinic/", include("patients.urls_clinic")),
    path("manage/", include("ldn_journal.accounts.urls_manage")),
    path("admin/", admin.site.urls),
    # Reminders: installable app files at the root scope, one-click unsubscribe (no login).
    path("manifest.webmanifest", reminder_views.manifest, name="webmanifest"),
    path("sw.js", reminder_views.service_worker, name="service_worker"),
    path("unsubscribe/<str:token>/", reminder_views.unsubscribe, name="reminders_unsubscribe"),
    path("manage/reminders/failures/", reminder_views.delivery_failures, name="reminder_failures"),
]

handler400 = "ldn_journal.errors.bad_request"
handler403 = "ldn_journal.errors.permission_denied"
handler404 = "ldn_journal.errors.page_not_found"
handler500 = "ldn_journal.errors.server_error"
