"""The role navigation shown in the base layout."""

import functools
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import router
from django.db.models import Value
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ldn_journal.accounts.models import Role
from ldn_journal.compiled_queries import register
from patients.care_team import unassigned_open
from patients.journal import kept_offline
from patients.models import (
    BreakGlassGrant,
    UrgentReport,
    fetch_clinician_query,
    freeze_clinician_query,
    gate_is_frozen_for,
)
from prescriptions import request_plan, titration

NAV = {
    Role.PATIENT: [
        ("journal:home", _("Tonight")),
        ("journal:history", _("History")),
        ("journal:plan", _("Plan")),
        ("journal:more", _("More")),
    ],
    Role.CLINICIAN: [
        ("clinic:patients", _("Patients")),
        ("clinic:urgent_reports", _("Urgent reports")),
        ("clinic:invite", _("Invite a patient")),
        ("clinic:templates", _("Plan templates")),
    ],
    Role.ADMIN: [
        ("manage:people", _("People")),
        # Shorter in German and Spanish than the page's title, so that the eight sections
        # fit one row at 1280 px; the count beside it is the urgent badge.
        (
            "manage:urgent_unassigned",
            pgettext_lazy("admin navigation", "Unassigned urgent reports"),
        ),
        ("manage:invitations", _("Invitations")),
        ("manage:care_team", _("Care teams")),
        ("manage:coverage", pgettext_lazy("admin navigation", "Covering clinicians")),
        ("manage:closures", _("Account closures")),
        ("manage:access_log", _("Access log")),
        ("clinic:templates", _("Plan templates")),
    ],
}


# A patient's page belongs to the tab it was reached from; anything not listed (settings,
# the account pages) is under More.
PATIENT_TABS = {
    "journal:home": {
        "home",
        "taken_now",
        "taken_at",
        "evening",
        "skip",
        "morning",
        "undo",
        "urgent_report",
        "urgent_detail",
    },
    "journal:history": {"history", "history_list", "trends", "night", "entry"},
    "journal:plan": {"plan"},
}


def _patient_tab(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == "journal":
        for tab, names in PATIENT_TABS.items():
            if match.url_name in names:
                return tab
    return "journal:more"


# The nav items that carry a count of urgent reports waiting for this person.
COUNTED = {"clinic:urgent_reports", "manage:urgent_unassigned"}


@dataclass(frozen=True)
class ClinicianAlerts:
    urgent_count: int  # open urgent reports of the patients the clinician reaches
    break_glass_patients: list[int]  # the banner's: patients of their active grants, by id
    # Open reports whose alerts are not getting through (the list's "alert not delivered"):
    # read only when asked (`undelivered=True`), else None.
    undelivered_count: int | None = None


_REPORT, _GRANT, _UNDELIVERED = 0, 1, 2


def _alerts_query(clinician, _patient_id, now):
    """Each open urgent report the clinician reaches, and each patient of an emergency grant
    they hold, as (kind, id) rows of one query: the nav's count and the banner's list."""
    reports = UrgentReport.objects.visible_to(clinician, now).open().order_by()
    grants = BreakGlassGrant.objects.held_by(clinician, now).order_by()
    return reports.values_list(Value(_REPORT), "pk").union(
        grants.values_list(Value(_GRANT), "patient_id"), all=True
    )


@functools.cache
def _frozen_alerts(using):
    return freeze_clinician_query(using, _alerts_query)


register(_frozen_alerts)  # compiled by a gunicorn master before it forks


def clinician_alerts(request, *, undelivered=False) -> ClinicianAlerts:
    """The clinician's nav count and break-glass banner: one query (compiled once per
    process), once per request however often they are rendered. With `undelivered` (the
    clinician list, whose banner says when an alert is not getting through) the reports
    whose alerts are stuck are read in the same query."""
    cached = getattr(request, "_clinician_alerts", None)
    if cached is None or (undelivered and cached.undelivered_count is None):
        from patients.notifications import undelivered as stuck  # noqa: PLC0415 - a cycle

        user, now = request.user, timezone.now()
        if gate_is_frozen_for(user):
            using = router.db_for_read(UrgentReport)
            frozen = [_frozen_alerts(using)]
            if undelivered:
                frozen.append(stuck.frozen_undelivered_reports(using))
            # No parenthesised members: SQLite (`make run`'s fallback) refuses them.
            rows = fetch_clinician_query(
                using,
                user,
                None,
                now,
                *frozen,
                around=(
                    f"SELECT * FROM ({{0}}) alerts UNION ALL "  # noqa: S608 - frozen SQL
                    f"SELECT {_UNDELIVERED}, report_id FROM ({{1}}) stuck"
                    if undelivered
                    else "{0}"
                ),
            )
        else:
            rows = list(_alerts_query(user, None, now))
            if undelivered:
                reports = stuck.undelivered_reports(user, None, now)
                rows += [(_UNDELIVERED, pk) for pk in reports.values_list("report_id", flat=True)]
        cached = ClinicianAlerts(
            urgent_count=sum(1 for kind, _ in rows if kind == _REPORT),
            break_glass_patients=sorted({pk for kind, pk in rows if kind == _GRANT}),
            undelivered_count=(
                sum(1 for kind, _ in rows if kind == _UNDELIVERED) if undelivered else None
            ),
        )
        request._clinician_alerts = cached
    return cached


def urgent_count(request) -> int:
    """Open urgent reports the user should act on (a clinician: their teams'; an admin: the
    unassigned ones). One query, computed once per request however often it is rendered."""
    cached = getattr(request, "_urgent_count", None)
    if cached is None:
        user = request.user
        if user.role == Role.CLINICIAN:
            cached = clinician_alerts(request).urgent_count
        elif user.role == Role.ADMIN:
            cached = unassigned_open(user).count()
        else:
            cached = 0
        request._urgent_count = cached
    return cached


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation; hashable, so the base layout can keep the rendered
    navigation per set of items ({% once %})."""

    url: str
    label: str
    name: str
    current: bool = False
    count: int = 0


@functools.lru_cache(maxsize=16)
def _links(role, _script_prefix, _urlconf) -> tuple[tuple[str, str, str], ...]:
    """(name, label, url) of the role's areas; the URLs are fixed for a process, its URL
    prefix and URL configuration (the cache's key). An area not built yet is simply not
    shown."""
    links = []
    for name, label in NAV.get(role, []):
        try:
            links.append((name, label, reverse(name)))
        except NoReverseMatch:
            continue
    return tuple(links)


@receiver(setting_changed)
def _urls_changed(setting, **_kwargs):
    if setting == "ROOT_URLCONF":  # as Django clears its own URL caches
        _links.cache_clear()


# The first tab is the patient's night: "Today" while their plan has them dosing in the
# morning (PlanView.dosing_time_at, as the tonight card's title), else "Tonight".
TODAY_TAB = _("Today")


def _patient_nav(request, links) -> tuple[NavItem, ...]:
    tab = _patient_tab(request)
    morning = request_plan.dosing_time_now(request) == titration.MORNING
    return tuple(
        NavItem(url, TODAY_TAB if morning and name == "journal:home" else label, name, name == tab)
        for name, label, url in links
    )


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": ()}
    links = _links(user.role, get_script_prefix(), get_urlconf())
    if user.role == Role.PATIENT:
        # Built only when the layout reads it (the template calls it, once per request): a
        # page that has not read the plan reads it for the first tab's word only then.
        # The version the phone keeps its offline page and guidance under (read in the
        # layout's head, outside {% once %}: it follows the patient's language and plan).
        return {
            "nav_items": functools.cache(lambda: _patient_nav(request, links)),
            "tab_bar": True,
            "kept_version": functools.cache(lambda: kept_offline.version(request)),
        }
    # The longest matching prefix is the current page: /journal/history/ is History, not
    # Tonight (whose URL, /journal/, prefixes every patient page).
    matches = [url for _name, _label, url in links if request.path.startswith(url)]
    current = max(matches, key=len) if matches else None
    return {
        "nav_items": tuple(
            NavItem(
                url,
                label,
                name,
                url == current,
                urgent_count(request) if name in COUNTED else 0,
            )
            for name, label, url in links
        )
    }
