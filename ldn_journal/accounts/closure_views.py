"""Closing an account: the patient's request from their settings, the admins' list of
requests and the completion (closure.py does the work)."""

import contextlib

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ldn_journal.accounts import closure, invitations
from ldn_journal.accounts.access_log import patient_of, record_access
from ldn_journal.accounts.forms import CloseAccountForm, closing_word
from ldn_journal.accounts.languages import remember_page_language
from ldn_journal.accounts.models import AccountClosure, Role, User
from ldn_journal.accounts.roles import role_required

STATUSES = ("open", "completed")
CLOSURES_PER_PAGE = 50


@role_required(Role.PATIENT)
@reauthentication_required  # closing the account: the password again
def close_my_account(request):
    pending = closure.open_request(request.user)
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and pending is None and form.is_valid():
        # The notice of the closure is emailed later, from an admin's request: in the
        # language this page is in when the patient has no setting.
        remember_page_language(request, request.user)
        # A second tap finds the first request, which stands; the page says so.
        with contextlib.suppress(closure.AlreadyRequested):
            closure.request_closure(request.user, request=request)
        messages.success(
            request,
            _(
                "Your request is sent. An administrator of your clinic will close your account; "
                "until then you can still sign in and download your data."
            ),
        )
        return redirect("journal:close_account")
    return render(
        request,
        "patients/journal/close_account.html",
        {
            "form": form,
            "pending": pending,
            "word": closing_word(),
            "years": closure.retention_years(),
        },
    )


@role_required(Role.ADMIN)
def closure_list(request):
    status = request.GET.get("status", "open")
    if status not in STATUSES:
        status = "open"
    rows = AccountClosure.objects.select_related("user__patient", "requested_by", "closed_by")
    rows = rows.open() if status == "open" else rows.closed()
    page = Paginator(rows, CLOSURES_PER_PAGE).get_page(request.GET.get("page"))
    # The accounts named on the page (a closed one is shown by its request number only),
    # one row as the clinician's patient list (dashboard.view).
    shown = [
        patient.pk
        for row in page
        if row.closed_at is None and row.user and (patient := patient_of(row.user)) is not None
    ]
    record_access(request, "closures.list", detail={"patients": shown})
    return render(
        request,
        "accounts/manage/closures.html",
        {
            "page": page,
            "status": status,
            # The pages' links stay on the tab (page 2 of "Completed" was page 2 of "Open").
            "query_string": urlencode({"status": status}),
            # On the open tab the paginator counted them already.
            "open_count": (
                page.paginator.count if status == "open" else AccountClosure.objects.open().count()
            ),
            "years": closure.retention_years(),
        },
    )


@role_required(Role.ADMIN)
@reauthentication_required
def closure_complete(request, pk):
    closure_request = get_object_or_404(AccountClosure.objects.select_related("user"), pk=pk)
    if closure_request.closed_at is not None:
        messages.info(request, _("This account is closed already."))
        return redirect(reverse("manage:closures") + "?status=completed")
    if closure_request.user is None:
        raise Http404
    return _close_page(request, closure_request.user, closure_request)


@role_required(Role.ADMIN)
@reauthentication_required
def close_person(request, user_id):
    target = get_object_or_404(User, pk=user_id)
    if target == request.user:
        messages.error(request, _("You cannot close your own account."))
        return redirect("manage:people")
    if closure.is_closed(target):
        messages.info(request, _("This account is closed already."))
        return redirect("manage:people")
    return _close_page(request, target, closure.open_request(target))


def _close_page(request, target, open_request):
    alone = closure.patients_needing_another_clinician(target)
    if alone:
        return _refused(request, target, alone)
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Named and counted before closing forgets the name and revokes them.
        name = target.name
        open_invitations = (
            invitations.open_for_clinician(target).count() if target.role == Role.CLINICIAN else 0
        )
        try:
            closure.close_account(target, by=request.user, request=request)
        except closure.StillTheOnlyClinician as refusal:
            return _refused(request, target, refusal.count)
        except closure.AlreadyClosed:
            messages.info(request, _("This account is closed already."))
        else:
            messages.success(
                request,
                _(
                    "The account is closed: sign-in is disabled, reminders stopped and the "
                    "personal identifiers removed. The clinical record is kept for %(years)s "
                    "years, then erased."
                )
                % {"years": closure.retention_years()},
            )
            if open_invitations:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)s open patient invitation from %(name)s was revoked: it could "
                        "not be accepted any more. Invite the patient again from an active "
                        "clinician's account.",
                        "%(count)s open patient invitations from %(name)s were revoked: they "
                        "could not be accepted any more. Invite the patients again from an "
                        "active clinician's account.",
                        open_invitations,
                    )
                    % {"count": open_invitations, "name": name},
                )
        return redirect(reverse("manage:closures") + "?status=completed")
    # The page shows the account (name, address, role): a read of a patient's.
    record_access(request, "account.closure_view", patient=patient_of(target), obj=target)
    return render(
        request,
        "accounts/manage/close_account.html",
        {
            "form": form,
            "target": target,
            "open_request": open_request,
            "word": closing_word(),
            "years": closure.retention_years(),
        },
    )


def _refused(request, target, count):
    return render(
        request,
        "accounts/manage/close_refused.html",
        {
            "target": target,
            "count": count,
            "transfer_url": reverse("manage:care_team_transfer") + f"?source={target.pk}",
        },
        status=409,
    )
