"""The role navigation shown in the base layout."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.models import Role
from patients.care_team import unassigned_open
from patients.models import UrgentReport

NAV = {
    Role.PATIENT: [
        ("journal:home", _("Tonight")),
        ("journal:history", _("History")),
        ("journal:plan", _("My plan")),
        ("journal:settings", _("Settings")),
    ],
    Role.CLINICIAN: [
        ("clinic:patients", _("Patients")),
        ("clinic:urgent_reports", _("Urgent reports")),
        ("clinic:invite", _("Invite a patient")),
        ("clinic:templates", _("Plan templates")),
    ],
    Role.ADMIN: [
        ("manage:people", _("People")),
        ("manage:urgent_unassigned", _("Unassigned urgent reports")),
        ("manage:invitations", _("Invitations")),
        ("manage:care_team", _("Care teams")),
        ("manage:access_log", _("Access log")),
        ("clinic:templates", _("Plan templates")),
    ],
}


# The nav items that carry a count of urgent reports waiting for this person.
COUNTED = {"clinic:urgent_reports", "manage:urgent_unassigned"}


def urgent_count(request) -> int:
    """Open urgent reports the user should act on (a clinician: their teams'; an admin: the
    unassigned ones). One query, computed once per request however often it is rendered."""
    cached = getattr(request, "_urgent_count", None)
    if cached is None:
        user = request.user
        if user.role == Role.CLINICIAN:
            cached = UrgentReport.objects.visible_to(user).open().count()
        elif user.role == Role.ADMIN:
            cached = unassigned_open(user).count()
        else:
            cached = 0
        request._urgent_count = cached
    return cached


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label in NAV.get(user.role, []):
        try:
            url = reverse(name)
        except NoReverseMatch:  # an area not built yet is simply not shown
            continue
        count = urgent_count(request) if name in COUNTED else 0
        items.append({"url": url, "label": label, "current": False, "count": count})
    # The longest matching prefix is the current page: /journal/history/ is History, not
    # Tonight (whose URL, /journal/, prefixes every patient page).
    matches = [item for item in items if request.path.startswith(item["url"])]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["current"] = True
    return {"nav_items": items}
