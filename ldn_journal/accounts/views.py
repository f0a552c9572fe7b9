"""Home routing, health check, invitation acceptance and the admin's management area."""

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.ratelimit import consume_or_429
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ldn_journal import broker
from ldn_journal.accounts import bulk_invitations, invitations, mfa_reset
from ldn_journal.accounts.access_log import patient_of, record_access
from ldn_journal.accounts.accounts_admin import (
    AccountClosed,
    LastClinician,
    is_closed,
    set_user_active,
)
from ldn_journal.accounts.forms import (
    BulkInvitationSendForm,
    BulkInvitationUploadForm,
    CareTeamFilterForm,
    CareTeamLinkForm,
    CareTeamTransferForm,
    InviteForm,
    LanguageForm,
    MfaResetForm,
    PeopleFilterForm,
)
from ldn_journal.accounts.languages import activate_for
from ldn_journal.accounts.models import (
    AccountClosure,
    BulkInvitation,
    BulkInvitationRow,
    Invitation,
    Role,
    User,
    closed_at_of,
    remember_closed_at,
    with_closed_at,
)
from ldn_journal.accounts.roles import role_required
from ldn_journal.accounts.tasks import send_bulk_invitations_task
from ldn_journal.ids import posted_id
from ldn_journal.operations.views import deep_health
from ldn_journal.pager import query_without_page
from patients import care_team
from patients.models import CareTeamRequest, Patient

AREA_HOME = {
    Role.PATIENT: "journal:home",
    Role.CLINICIAN: "clinic:patients",
    Role.ADMIN: "manage:people",
}


def home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(AREA_HOME[request.user.role])


@require_GET
@never_cache
def healthz(request):
    if request.GET.get("deep"):
        # Internal: the database, cache, broker and worker, behind the metrics token.
        return deep_health(request)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def accept_invitation(request, token):
    # GET too: allauth limits only POSTs unless told otherwise, and the link is a GET.
    limited = consume_or_429(request, action="invitation_accept", limit_get=True)
    if limited:
        return limited
    invitation = invitations.find_pending(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(
            request, _("You are already signed in; sign out first to use this invitation.")
        )
        return redirect("home")
    request.session[invitations.SESSION_KEY] = invitation.pk
    # Following the emailed link proves the address, so sign-up needs no extra verification.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")


@login_required
def language(request):
    """Every role's language setting (patients also have it on their settings page)."""
    form = LanguageForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        activate_for(request, request.user.language)
        messages.success(request, _("Your language is saved."))
        return redirect("account_language")
    return render(request, "account/language.html", {"form": form})


# --- Management area (admins) -------------------------------------------------------------

PEOPLE_PER_PAGE = 50


@role_required(Role.ADMIN)
def people(request):
    closed = AccountClosure.objects.closed().filter(user=OuterRef("pk"))
    # A reset is offered only to an account with a second factor to reset (manage_mfa_reset
    # says "nothing to reset" to the others).
    two_step = Authenticator.objects.filter(user=OuterRef("pk"))
    users = (
        # Each read with its closure: a nameless inactive account's name asks it (User.name).
        with_closed_at(User.objects.select_related("patient"))
        .annotate(closed=Exists(closed), has_two_step=Exists(two_step))
        .order_by("role", "display_name", "email")
    )
    form = PeopleFilterForm(request.GET or None)
    query, role = form.filters()
    if query:
        users = users.filter(Q(email__icontains=query) | Q(display_name__icontains=query))
    if role:
        users = users.filter(role=role)
    page = Paginator(users, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    # A list of accounts is a read of the patients on it, recorded as the clinician's
    # patient list is (dashboard.view): one row naming them by id (DESIGN.md §4).
    shown = [patient.pk for person in page if (patient := patient_of(person)) is not None]
    record_access(request, "people.list", detail={"patients": shown})
    # The pages' links keep the search and role (page 2 of a filtered list was page 2 of
    # everyone: found by exploratory QA).
    return render(
        request,
        "accounts/manage/people.html",
        {"page": page, "form": form, "query_string": query_without_page(request.GET)},
    )


@role_required(Role.ADMIN)
@require_POST
def set_active(request, user_id):
    target = get_object_or_404(User, pk=user_id)
    if request.POST.get("active") not in ("0", "1"):
        # Only the People page's buttons say which: a post without it deactivated the account
        # (anything but "1" read as "0"; found by exploratory QA).
        messages.error(
            request, _("Nothing was changed: choose Deactivate or Reactivate on the People page.")
        )
        return redirect("manage:people")
    activate = request.POST["active"] == "1"
    if target == request.user and not activate:
        messages.error(request, _("You cannot deactivate your own account."))
        return redirect("manage:people")

    taker, error = None, ""
    taker_id = request.POST.get("taker", "")
    if taker_id and not activate:
        taker = User.objects.filter(pk=posted_id(taker_id)).first()
        if taker is None:
            error = _("Choose a clinician from the list to take the patients over.")
        else:
            try:
                care_team.check_can_join(taker)
            except care_team.CareTeamError as exc:
                taker, error = None, str(exc)
    # What becomes of the clinician's open patient invitations, said once it is done.
    open_invitations = (
        invitations.open_for_clinician(target).count()
        if not activate and target.role == Role.CLINICIAN
        else 0
    )
    try:
        if error:
            raise LastClinician(target, care_team.patients_left_alone(target))
        changed = set_user_active(target, activate, request=request, taker=taker)
    except AccountClosed:
        messages.error(
            request,
            _(
                "%(name)s's account is closed and cannot be reactivated. Invite them again "
                "for a new account."
            )
            % {"name": target.name},
        )
        return redirect("manage:people")
    except LastClinician as refusal:
        return render(
            request,
            "accounts/manage/deactivate_refused.html",
            {
                "target": target,
                "refusal": refusal,
                "error": error,
                "takers": care_team.active_clinicians(excluding=target),
            },
            status=409,
        )
    if not changed:  # another tab or a double tap got there first
        already = (
            _("%(name)s was already active. Nothing was changed.")
            if activate
            else _("%(name)s was already deactivated. Nothing was changed.")
        )
        messages.info(request, already % {"name": target.name})
        return redirect("manage:people")
    _say_what_changed(request, target, activate, taker, open_invitations)
    return redirect("manage:people")


def _say_what_changed(request, target, activate, taker, open_invitations):
    moved = getattr(target, "patients_handed_over", 0)
    if taker is not None and moved:
        # Only when patients moved: a taker posted for a clinician with no patient left
        # alone took nothing over, and the message said they had.
        messages.success(
            request,
            ngettext(
                "%(taker)s took over %(count)s patient from %(name)s.",
                "%(taker)s took over %(count)s patients from %(name)s.",
                moved,
            )
            % {"taker": taker.name, "name": target.name, "count": moved},
        )
    done = _("%(name)s was reactivated.") if activate else _("%(name)s was deactivated.")
    messages.success(request, done % {"name": target.name})
    if open_invitations:
        _say_where_invitations_went(request, target, taker, open_invitations)
    if activate and target.is_patient and not care_team.has_active_clinician(target):
        # Their clinician may have left while they were away (deactivating a clinician
        # leaves a deactivated patient alone): the journal came back with nobody to read it
        # and no word to the admin (found by exploratory QA).
        messages.warning(
            request,
            _(
                "%(name)s has no active clinician on their care team: nobody reads their "
                "journal, and their urgent reports go to the administrators. Add a clinician "
                "under Care teams."
            )
            % {"name": target.name},
        )


def _say_where_invitations_went(request, leaver, taker, count):
    """Tell the admin what became of a deactivated clinician's open patient invitations:
    handed to the taker, or (nobody took over) no longer acceptable."""
    names = {"count": count, "name": leaver.name, "taker": taker.name if taker else ""}
    if taker is not None:
        messages.success(
            request,
            ngettext(
                "%(count)s open patient invitation from %(name)s now leads to %(taker)s's "
                "care team: the patient uses the same link.",
                "%(count)s open patient invitations from %(name)s now lead to %(taker)s's "
                "care team: the patients use the same links.",
                count,
            )
            % names,
        )
        return
    messages.warning(request, invitations.left_behind_message(leaver, count))


@role_required(Role.ADMIN)
@reauthentication_required  # removing someone's second factor: password again
def manage_mfa_reset(request, user_id):
    target = get_object_or_404(User, pk=user_id)
    if target == request.user:
        messages.error(request, _("Manage your own two-step sign-in from your account page."))
        return redirect("manage:people")
    if is_closed(target):
        # Closing removed every second factor; a reset logged a reset of nothing and mailed
        # the closed account's undeliverable placeholder address (found by exploratory QA).
        messages.info(
            request,
            _("This account is closed: it has no two-step sign-in left to reset."),
        )
        return redirect("manage:people")
    form = MfaResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not mfa_reset.reset_mfa(target, reason=form.cleaned_data["reason"], request=request):
            messages.info(
                request,
                _(
                    "%(name)s has no two-step sign-in set up, so there was nothing to reset: "
                    "nothing was changed and no email was sent."
                )
                % {"name": target.name},
            )
            return redirect("manage:people")
        messages.success(
            request,
            _(
                "Two-step sign-in was reset for %(name)s: they are signed out everywhere, were "
                "emailed, and set it up again at their next sign-in."
            )
            % {"name": target.name},
        )
        return redirect("manage:people")
    methods = mfa_reset.method_labels(
        Authenticator.objects.filter(user=target).values_list("type", flat=True)
    )
    # The page shows the account (a patient's name, address and sign-in methods): a read.
    record_access(request, "mfa.reset_view", patient=patient_of(target), obj=target)
    return render(
        request,
        "accounts/manage/mfa_reset.html",
        {"form": form, "target": target, "methods": methods},
    )


def _invite(request, template, success_url):
    form = InviteForm(request.POST or None, inviter=request.user)
    account_url = None
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                country=form.cleaned_data.get("country", ""),
            )
        except ValidationError as exc:
            if exc.code == "account_exists" and request.user.role == Role.ADMIN:
                # The People page found by the address: where an admin manages the account.
                query = urlencode({"q": form.cleaned_data["email"]})
                account_url = f"{reverse('manage:people')}?{query}"
            form.add_error("email", exc)
        else:
            days = settings.LDN_INVITATION_DAYS
            if request.user.role == Role.CLINICIAN:
                # The same words whatever the address: new, a patient, staff, deactivated.
                messages.success(
                    request,
                    _(
                        "Thank you. If %(email)s can join LDN Journal as your patient, we have "
                        "emailed them: someone new gets an invitation link valid for %(days)s "
                        "days; a patient who already has an account is asked to accept you onto "
                        "their care team."
                    )
                    % {"email": form.cleaned_data["email"], "days": days},
                )
            else:
                messages.success(
                    request,
                    _("Invitation sent. The link is valid for %(days)s days.") % {"days": days},
                )
            return redirect(success_url)
    return render(request, template, {"form": form, "account_url": account_url})


def _invitation_list(request, template):
    now = timezone.now()
    # The clinician decides a patient's invitation's status (Invitation.status_at).
    rows = Invitation.objects.visible_to(request.user).select_related("invited_by", "clinician")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for invitation in page:
        invitation.current_status = invitation.status_at(now)
    return render(request, template, {"page": page})


def _invitation_action(request, pk, action, success_url):
    if action not in ("resend", "revoke"):
        raise Http404
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=pk)
    try:
        if action == "resend":
            invitations.resend(invitation)
            messages.success(request, _("Invitation sent again with a new link."))
        else:
            invitations.revoke(invitation)
            messages.success(request, _("Invitation revoked: its link no longer works."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(success_url)


@role_required(Role.ADMIN)
def manage_invite(request):
    return _invite(request, "accounts/manage/invite.html", reverse("manage:invitations"))


@role_required(Role.ADMIN)
def manage_invitations(request):
    return _invitation_list(request, "accounts/manage/invitations.html")


@role_required(Role.ADMIN)
@require_POST
def manage_invitation_action(request, pk, action):
    return _invitation_action(request, pk, action, reverse("manage:invitations"))


@role_required(Role.CLINICIAN)
def clinic_invite(request):
    return _invite(request, "accounts/clinic/invite.html", reverse("clinic:invitations"))


@role_required(Role.CLINICIAN)
def clinic_invitations(request):
    return _invitation_list(request, "accounts/clinic/invitations.html")


@role_required(Role.CLINICIAN)
@require_POST
def clinic_invitation_action(request, pk, action):
    return _invitation_action(request, pk, action, reverse("clinic:invitations"))


CARE_TEAM_PER_PAGE = 50
# How many waiting requests the Care teams page lists; it says how many more there are.
CARE_TEAM_PENDING_SHOWN = 50


@role_required(Role.ADMIN)
def manage_care_team(request):
    """Admins link a clinician to a patient's care team directly; the link is logged."""
    form = CareTeamLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clinician = form.cleaned_data["clinician"]
        added = care_team.link_directly(
            form.patient, clinician, admin=request.user, request=request
        )
        if added:
            messages.success(
                request,
                _("%(clinician)s is now on %(patient)s's care team.")
                % {"clinician": clinician.name, "patient": form.patient.user.name},
            )
        else:
            messages.info(
                request,
                _("%(clinician)s was already on %(patient)s's care team.")
                % {"clinician": clinician.name, "patient": form.patient.user.name},
            )
        return redirect("manage:care_team")
    waiting = (
        CareTeamRequest.objects.visible_to(request.user)
        .pending()
        .select_related("patient__user", "clinician")
        # Each name's closure with its request: a closed account is named "Closed account"
        # (User.name) with its id, never its placeholder address, without a query per row.
        .annotate(
            patient_closed_at=closed_at_of("patient__user_id"),
            clinician_closed_at=closed_at_of("clinician_id"),
        )
    )
    pending = list(waiting[:CARE_TEAM_PENDING_SHOWN])
    for waiting_request in pending:
        patient_user = waiting_request.patient.user
        remember_closed_at(patient_user, waiting_request.patient_closed_at)
        remember_closed_at(waiting_request.clinician, waiting_request.clinician_closed_at)
        waiting_request.patient_address = (
            patient_user.email
            if waiting_request.patient_closed_at is None
            else f"{patient_user.name} #{waiting_request.patient_id}"
        )
    # The list stopped at 50 without a word: the admin now learns how many are not shown
    # (one count query, only when the list is full).
    pending_hidden = (
        waiting.count() - len(pending) if len(pending) == CARE_TEAM_PENDING_SHOWN else 0
    )
    # Each clinician's number of patients, not their names: with hundreds of patients every
    # row listed them all, as the patient list below did before it was paged.
    # Each account read with its closure: a nameless inactive account's name asks it
    # (User.name), a query per name otherwise.
    clinicians = (
        with_closed_at(User.objects.filter(role=Role.CLINICIAN))
        .order_by("display_name", "email")
        .annotate(patient_count=Count("care_patients"))
    )
    search = CareTeamFilterForm(request.GET or None)
    patients = (
        Patient.objects.select_related("user")
        .annotate(account_closed_at=closed_at_of("user_id"))
        .prefetch_related(Prefetch("care_team", queryset=with_closed_at(User.objects.all())))
    )
    query = search.query()
    if query:
        patients = patients.filter(
            Q(user__email__icontains=query) | Q(user__display_name__icontains=query)
        )
    page = Paginator(patients, CARE_TEAM_PER_PAGE).get_page(request.GET.get("page"))
    for patient in page:
        remember_closed_at(patient.user, patient.account_closed_at)
    # The patients listed and those with a request waiting, one row as the clinician's list.
    shown = dict.fromkeys([*(patient.pk for patient in page), *(r.patient_id for r in pending)])
    record_access(request, "care_team.list", detail={"patients": list(shown)})
    return render(
        request,
        "accounts/manage/care_team.html",
        {
            "form": form,
            "pending": pending,
            "pending_hidden": pending_hidden,
            "clinicians": clinicians,
            "search": search,
            "page": page,
            "query_string": query_without_page(request.GET),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def manage_care_team_remove(request, patient_id, clinician_id):
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user).select_related("user"), pk=patient_id
    )
    clinician = get_object_or_404(User, pk=clinician_id, role=Role.CLINICIAN)
    names = {"clinician": clinician.name, "patient": patient.user.name}
    try:
        removed = care_team.remove_clinician(patient, clinician, request=request)
    except care_team.LastClinician:
        messages.error(
            request,
            _(
                "%(clinician)s is the only clinician on %(patient)s's care team. Add another "
                "clinician first, or transfer the patient, so someone can still read their "
                "journal."
            )
            % names,
        )
    else:
        if removed:
            messages.success(request, _("%(clinician)s left %(patient)s's care team.") % names)
        else:
            messages.info(request, _("%(clinician)s was not on %(patient)s's care team.") % names)
    return redirect("manage:care_team")


@role_required(Role.ADMIN)
def manage_care_team_transfer(request):
    initial = {}
    if posted_id(request.GET.get("source")) is not None:
        initial["source"] = request.GET["source"]
    form = CareTeamTransferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = care_team.transfer_patients(
                data["patients"],
                source=data["source"],
                target=data["target"],
                note=data["note"],
                admin=request.user,
                request=request,
            )
        except care_team.CareTeamError:
            form.add_error("target", _("Choose an active clinician to receive the patients."))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s patient moved from %(source)s to %(target)s; they were told.",
                    "%(count)s patients moved from %(source)s to %(target)s; all were told.",
                    len(moved),
                )
                % {
                    "count": len(moved),
                    "source": data["source"].name,
                    "target": data["target"].name,
                },
            )
            return redirect("manage:care_team")
    # The form offers patients by name and address (the chosen clinician's, else everyone):
    # one row naming them, as the clinician's list (ids only, one small query).
    offered = form.fields["patients"].queryset.values_list("pk", flat=True)
    record_access(request, "care_team.transfer_form", detail={"patients": list(offered)})
    return render(request, "accounts/manage/care_team_transfer.html", {"form": form})


# --- Bulk invitations from CSV (issue 18, part 2) -------------------------------------------


@role_required(Role.ADMIN)
def manage_bulk_invitations(request):
    """Upload a CSV: a bad file is refused whole with one message; a good one becomes a
    preview (nothing is sent until the admin confirms it)."""
    form = BulkInvitationUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = upload.read(settings.LDN_BULK_INVITATION_MAX_BYTES + 1)
            batch = bulk_invitations.build_batch(
                request.user, data, file_name=upload.name or "", request=request
            )
        except bulk_invitations.BadFile as refused:
            form.add_error("file", refused)
        else:
            return redirect("manage:bulk_invitation", pk=batch.pk)
    batches = BulkInvitation.objects.visible_to(request.user).select_related("created_by")[:20]
    return render(
        request,
        "accounts/manage/bulk_invitations.html",
        {
            "form": form,
            "batches": batches,
            "max_rows": settings.LDN_BULK_INVITATION_MAX_ROWS,
            "max_mb": f"{settings.LDN_BULK_INVITATION_MAX_BYTES / (1024 * 1024):g}",
            "retention_days": settings.LDN_BULK_INVITATION_RETENTION_DAYS,
        },
        status=400 if form.errors else 200,
    )


BULK_ROWS_PER_PAGE = 100
BULK_ROW_FILTERS = {
    "errors": {"verdict": BulkInvitationRow.Verdict.ERROR},
    "valid": {
        "verdict__in": [BulkInvitationRow.Verdict.INVITE, BulkInvitationRow.Verdict.CARE_TEAM]
    },
    "failed": {"status": BulkInvitationRow.Status.FAILED},
}


@role_required(Role.ADMIN)
@require_GET
@never_cache
def manage_bulk_invitation(request, pk):
    """A batch's preview, then its progress (the page refreshes itself while sending)."""
    batch = get_object_or_404(
        BulkInvitation.objects.visible_to(request.user).select_related("created_by"), pk=pk
    )
    show = request.GET.get("show", "")
    rows = batch.rows.order_by("number")
    if show in BULK_ROW_FILTERS:
        rows = rows.filter(**BULK_ROW_FILTERS[show])
    else:
        show = ""
    page = Paginator(rows, BULK_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.problem_text = bulk_invitations.problem_text(row)
    counts = bulk_invitations.counts(batch)
    send_form = BulkInvitationSendForm(initial={"count": counts["valid"]})
    return render(
        request,
        "accounts/manage/bulk_invitation.html",
        {
            "batch": batch,
            "counts": counts,
            "page": page,
            "show": show,
            "query_string": f"show={show}" if show else "",
            "send_form": send_form,
        },
    )


def _enqueue_batch(batch):
    # After commit, bounded in time; a broker that is down leaves the batch "sending" with
    # its rows pending, and the page offers to resume.
    transaction.on_commit(
        lambda: broker.publish_for_request(
            lambda: send_bulk_invitations_task.apply_async((batch.pk,), retry=False),
            f"bulk invitation batch {batch.pk}",
        )
    )


@role_required(Role.ADMIN)
@require_POST
def manage_bulk_invitation_send(request, pk):
    """Send the valid rows (once, whatever the clicks), or resume a batch that stopped."""
    batch = get_object_or_404(BulkInvitation.objects.visible_to(request.user), pk=pk)
    page = reverse("manage:bulk_invitation", args=[batch.pk])
    if request.POST.get("resume") and batch.status == BulkInvitation.Status.SENDING:
        _enqueue_batch(batch)
        messages.info(request, _("Sending resumes: rows already sent are not sent again."))
        return redirect(page)
    form = BulkInvitationSendForm(request.POST)
    counts = bulk_invitations.counts(batch)
    if not form.is_valid() or form.cleaned_data["count"] != counts["valid"]:
        messages.error(
            request,
            form.errors.get("confirm", [_("The batch changed: check the preview again.")])[0],
        )
        return redirect(page)
    if counts["valid"] == 0:
        messages.error(
            request, _("No row of this file can be sent: correct the file and upload it again.")
        )
        return redirect(page)
    try:
        with transaction.atomic():
            bulk_invitations.start_sending(batch, request=request)
            _enqueue_batch(batch)
    except bulk_invitations.NotSendable:
        messages.info(request, _("This batch is already being sent or was sent."))
    else:
        messages.success(
            request,
            ngettext(
                "Sending %(count)s invitation or care-team request. This page shows the progress.",
                "Sending %(count)s invitations and care-team requests. This page shows the "
                "progress.",
                counts["valid"],
            )
            % {"count": counts["valid"]},
        )
    return redirect(page)


@role_required(Role.ADMIN)
@require_GET
def manage_bulk_invitation_template(request):  # noqa: ARG001 - the same file for every admin
    response = HttpResponse(bulk_invitations.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ldn-journal-invitations.csv"'
    return response
