"""Which push devices are this browser's, so signing out takes this phone off the account.

On a shared phone the next person would otherwise get the last patient's reminders on the
lock screen. A subscription records the sign-in it was made in (a keyed hash of the session
key), and the sign-out form carries the browser's own endpoint when the page's script can read
it (static/js/journal.js): either one names this device, and only the signed-out account's.
Ending a sign-in from the list of signed-in devices removes the device made in it.
"""

from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.db.models import Q
from django.dispatch import receiver
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from patients.models import PushSubscription

# The sign-out form's field with this browser's push endpoint (static/js/journal.js).
ENDPOINT_FIELD = "push_endpoint"


def session_mark(session_key: str | None) -> str:
    """The sign-in a subscription was made in, as stored: never the session key itself."""
    if not session_key:
        return ""
    return salted_hmac("patients.notifications.devices.session", session_key).hexdigest()


def forget_this_browser(user_id, session_key: str | None, endpoint: str = "") -> int:
    """Remove the account's subscriptions made in this sign-in or for this browser's
    endpoint; how many were removed. Another account's subscriptions are never touched."""
    mark = session_mark(session_key)
    this_browser = Q()
    if mark:
        this_browser |= Q(session_mark=mark)
    if endpoint:
        this_browser |= Q(endpoint=endpoint)
    if not this_browser:
        return 0
    # A queryset's delete sends post_delete for each row: patients.signals brings the
    # patient's reminders forward as for a device removed on the settings page.
    removed, _by_model = PushSubscription.objects.filter(this_browser, user_id=user_id).delete()
    return removed


# The sign-out page's URL name (allauth): only the person choosing to sign out here takes the
# device off. Signed out by something else (the sign-out that follows a password change, the
# staff session policy), they are still at this device and keep its reminders.
SIGN_OUT_VIEW = "account_logout"


@receiver(user_logged_out, dispatch_uid="push_devices_signed_out")
def signed_out(request=None, user=None, **_kwargs):
    if request is None or user is None:
        return
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != SIGN_OUT_VIEW:
        return
    endpoint = request.POST.get(ENDPOINT_FIELD, "") if request.method == "POST" else ""
    session_key = request.session.session_key if hasattr(request, "session") else None
    if forget_this_browser(user.pk, session_key, endpoint[:1000]):
        messages.info(request, _("This device will no longer get your reminders."))


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """settings.USERSESSIONS_ADAPTER. Signing another device out from "Signed-in devices"
    (a phone left behind, a shared one) takes its push device off the account too, as
    signing out on it would: the subscription made in that sign-in."""

    def end_sessions(self, sessions) -> None:
        for session in sessions:
            forget_this_browser(session.user_id, session.session_key)
        super().end_sessions(sessions)
