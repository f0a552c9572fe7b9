"""Reminder pages: patient settings and devices, clinician digest settings, one-click
unsubscribe, the delivery log, and the PWA files (manifest, service worker)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ldn_journal.accounts.models import Role, User
from ldn_journal.accounts.roles import role_required
from patients.journal.views import current_patient
from patients.models import ClinicianPreferences, Patient, PushSubscription, ReminderDelivery
from patients.notifications import delivery_reasons, reach
from patients.notifications.devices import session_mark
from patients.notifications.forms import (
    DigestSettingsForm,
    parse_subscription,
)
from patients.notifications.outbox import read_unsubscribe_token

RECENT = 20


@role_required(Role.PATIENT)
def reminder_settings(request):  # noqa: ARG001 - a view's signature
    """Reminder settings live on the one settings page now; old links (emails) land there."""
    return redirect(reverse("journal:settings") + "#reminders", permanent=True)


@require_POST
@role_required(Role.PATIENT)
def push_subscribe(request):
    patient = current_patient(request)
    try:
        data = parse_subscription(request.body)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": exc.messages[0]}, status=400)
    endpoint = data.pop("endpoint")
    devices = PushSubscription.objects.filter(user=request.user)
    limit = settings.LDN_PUSH_MAX_DEVICES
    if devices.count() >= limit and not devices.filter(endpoint=endpoint).exists():
        error = ngettext(
            "You already get reminders on %(limit)s device, the most allowed. "
            "Remove it from the list of devices first.",
            "You already get reminders on %(limit)s devices, the most allowed. "
            "Remove one from the list of devices first.",
            limit,
        ) % {"limit": limit}
        # "message": for the patient, shown by the settings page's button (static/js/push.js);
        # the other refusals are about the browser's subscription, so the page says its own.
        return JsonResponse({"ok": False, "error": error, "message": error}, status=400)
    # The sign-in it is made in: signing out of it removes the device (notifications.devices).
    data["session_mark"] = session_mark(request.session.session_key)
    PushSubscription.objects.update_or_create(user=request.user, endpoint=endpoint, defaults=data)
    if not patient.remind_by_push:
        patient.remind_by_push = True
        patient.save(update_fields=["remind_by_push"])
    return JsonResponse({"ok": True}, status=201)


@require_POST
@role_required(Role.PATIENT)
def push_remove(request, pk):
    device = get_object_or_404(PushSubscription.objects.filter(user=request.user), pk=pk)
    device.delete()
    messages.success(request, _("That device will no longer get reminders."))
    # Push alone's last device: back at the channels, where the page says no reminder can
    # reach them now and what to do.
    unreachable = reach.patient_unreachable(current_patient(request)) in reach.NOTHING_REACHES
    return redirect(reverse("journal:settings") + ("#channels" if unreachable else "#devices"))


@role_required(Role.CLINICIAN)
def digest_settings(request):
    prefs, _created = ClinicianPreferences.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = DigestSettingsForm(request.POST, instance=prefs)
        if form.is_valid():
            prefs = form.save(commit=False)
            prefs.next_digest_at = None  # recomputed by the next sweep
            prefs.save()
            messages.success(request, _("Your digest settings are saved."))
            return redirect("clinic:digest_settings")
    else:
        form = DigestSettingsForm(instance=prefs)
    return render(request, "patients/reminders/digest_settings.html", {"form": form})


@role_required(Role.ADMIN)
def delivery_failures(request):
    failures = ReminderDelivery.objects.filter(status=ReminderDelivery.Status.FAILED).only(
        "id", "kind", "channel", "status", "due_at", "attempts", "last_error", "recipient_id"
    )
    page = Paginator(failures.order_by("-due_at"), 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for delivery in page.object_list:
        # Stored in English (logs, operators); shown in the admin's language.
        delivery.reason = delivery_reasons.display(delivery.last_error)
    return render(request, "patients/reminders/failures.html", {"page_obj": page})


# --- One-click unsubscribe (no login: the signed token is the authority) -------------------


def _unsubscribe(user, scope):
    if scope == "reminders":
        Patient.objects.filter(user=user).update(remind_by_email=False)
    else:
        ClinicianPreferences.objects.filter(user=user).update(digest_enabled=False)


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie
def unsubscribe(request, token):
    claim = read_unsubscribe_token(token)
    user = User.objects.filter(pk=claim[0], is_active=True).first() if claim else None
    if user is None:
        return render(request, "patients/reminders/unsubscribe_invalid.html", status=400)
    scope = claim[1]
    done = False
    if request.method == "POST":
        _unsubscribe(user, scope)
        done = True
    settings_url = reverse(
        "journal:reminders" if scope == "reminders" else "clinic:digest_settings"
    )
    return render(
        request,
        "patients/reminders/unsubscribe.html",
        {"scope": scope, "done": done, "token": token, "settings_url": settings_url},
    )


# --- Installable app: manifest and service worker at the site root --------------------------


@require_GET
@cache_control(max_age=3600)
def manifest(_request):
    data = {
        "name": "LDN Journal",
        "short_name": "LDN Journal",
        "start_url": "/journal/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data)
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
@cache_control(no_cache=True)
def service_worker(_request):
    path = finders.find("js/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as handle:
        response = HttpResponse(handle.read(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response
