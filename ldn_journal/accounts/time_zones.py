"""Times are stored in UTC and shown in the viewer's time zone.

A patient sees their own profile's zone, a clinician the zone in their preferences, an admin
the clinic's default. The zone is looked up once at sign-in and kept in the session, so pages
pay no query for it; changing the zone in settings refreshes it.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from ldn_journal.accounts.middleware import _exempt
from ldn_journal.accounts.models import Role
from patients.models import ClinicianPreferences, Patient, known_time_zones

SESSION_KEY = "ldn_tz"


def viewer_time_zone(user) -> str:

    if user.role == Role.PATIENT:
        zone = Patient.objects.filter(user=user).values_list("time_zone", flat=True).first()
    elif user.role == Role.CLINICIAN:
        zone = (
            ClinicianPreferences.objects.filter(user=user)
            .values_list("time_zone", flat=True)
            .first()
        )
    else:
        zone = None
    # A stored zone this server does not know (renamed in a tz update) reads as the
    # clinic's default, as Patient.tz does: the pages and their times agree.
    return zone if zone in known_time_zones() else settings.LDN_DEFAULT_PATIENT_TIME_ZONE


def remember_time_zone(request, user=None):
    """Store the viewer's zone in the session (call after they change it)."""
    user = user or request.user
    request.session[SESSION_KEY] = viewer_time_zone(user)


@receiver(user_logged_in, dispatch_uid="ldn_remember_time_zone")
def _on_login(sender, request, user, **kwargs):  # noqa: ARG001 - Django passes them by name
    if request is not None and hasattr(request, "session"):
        remember_time_zone(request, user)


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # Health checks and static files never touch the session.
        if user is not None and not _exempt(request.path) and user.is_authenticated:
            name = request.session.get(SESSION_KEY)
            if name is None:
                remember_time_zone(request, user)
                name = request.session[SESSION_KEY]
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
