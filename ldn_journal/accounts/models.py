"""Users with exactly one role, invitations into the clinic, and the access log."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")
    ADMIN = "admin", _("Admin")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("role", Role.PATIENT)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["role"] = Role.ADMIN
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PATIENT)
    is_active = models.BooleanField(
        default=True, help_text="Inactive accounts cannot sign in; their data is kept."
    )
    # Derived from the role on save: only admins reach the Django admin.
    is_staff = models.BooleanField(default=False, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Pages, emails and push texts are in this language; blank: the browser's (and English
    # for messages sent while no browser is asking).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
        ]

    def __str__(self):
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        # Only admins reach the Django admin, where they manage every model.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_patient(self):
        return self.role == Role.PATIENT

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_staff_role(self):
        """Clinicians and admins: the people who must have MFA before seeing patient data."""
        return self.role in (Role.CLINICIAN, Role.ADMIN)

    @property
    def name(self):
        if self.display_name:
            return self.display_name
        # Closing blanks the name and replaces the address with a placeholder: its local part
        # ("closed-7") named the person on every clinic page (found by exploratory QA).
        # Closing deactivates (and a closed account is never reactivated): an active
        # account's name asks nothing more.
        if not self.is_active and is_closed(self):
            return gettext("Closed account")
        return self.email.split("@")[0]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins see every invitation; clinicians the ones they sent and those whose patient
        would join their care team (handed over from a clinician who left, or made by an
        admin naming them); patients none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.ADMIN:
            return self
        if user.role == Role.CLINICIAN:
            return self.filter(models.Q(invited_by=user) | models.Q(clinician=user))
        return self.none()

    def pending(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        # A patient's invitation whose clinician was deactivated: its link would make a
        # patient with no active clinician, so it is refused (can_be_accepted).
        CLINICIAN_LEFT = "clinician_left", _("Clinician left — cannot be accepted")

    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    # For patient invitations: the clinician whose care team the patient joins.
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # For patient invitations: pre-fills the patient's country (their emergency number).
    country = models.CharField(max_length=2, blank=True)
    # Optional (bulk invitations carry them): pre-fill the sign-up name; the email and the
    # new account's language setting.
    display_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per address: re-send rotates its token instead.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.PATIENT) | models.Q(clinician__isnull=False),
                name="invitation_patient_has_clinician",
            ),
        ]

    def __str__(self):
        return f"Invitation #{self.pk} ({self.get_role_display()})"

    def new_token(self, now=None) -> str:
        """Give the invitation a fresh secret link valid for LDN_INVITATION_DAYS."""
        now = now or timezone.now()
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.expires_at = now + timedelta(days=settings.LDN_INVITATION_DAYS)
        return token

    def status_at(self, now=None):
        """The one answer to "what state is this invitation in": the lists show it and the
        link is accepted only when it is PENDING (invitations.can_be_accepted). A patient's
        invitation whose clinician left listed as "Pending" while its link was refused."""
        now = now or timezone.now()
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.role == Role.PATIENT and not (
            self.clinician_id is not None and self.clinician.is_active
        ):
            return self.Status.CLINICIAN_LEFT
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self):
        return self.status_at()


class AccessLog(models.Model):
    """Who read or changed which patient's data (or did a security-relevant thing), when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=10, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # How a clinician reached the patient when they read: their care team, covering a
    # colleague, or break-glass (patients.models.access_routes); blank for everyone else.
    route = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["actor", "-at"]),
            # The admin's "reached by" filter: covering and break-glass reads are the rare
            # ones worth finding; only they are indexed, so the log's every-read inserts
            # (care-team reads, everyone else's events) leave this index alone.
            models.Index(
                fields=["route", "-at"],
                name="accesslog_unusual_route",
                condition=models.Q(route__in=["covering", "break_glass"]),
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AccountClosureQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def closed(self):
        return self.filter(closed_at__isnull=False)


class AccountClosure(models.Model):
    """A request to close an account, and its completion by an admin (closure.py).

    The row outlives the account: once a closed patient's record is erased after the
    retention period, `user` is gone and only ids, the role and the times remain.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an administrator")
        CLOSED = "closed", _("Closed")
        ERASED = "erased", _("Closed, record erased")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closures",
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = AccountClosureQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per person: a second tap or tab finds the first.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(closed_at__isnull=True),
                name="account_closure_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True) | models.Q(closed_at__isnull=False),
                name="account_closure_erased_after_closed",
            ),
        ]

    def __str__(self):
        return f"Account closure #{self.pk}"

    @property
    def status(self):
        if self.erased_at:
            return self.Status.ERASED
        if self.closed_at:
            return self.Status.CLOSED
        return self.Status.OPEN


# The attribute a query that read the closure with the account (`closed_at_of`) leaves on the
# User, so that `is_closed` reads it instead of asking again (a page of patients, the gate).
CLOSED_AT = "account_closed_at"


def closed_at_of(user_ref: str):
    """When the account at ``user_ref`` (a field path from the query's model to a user id) was
    closed, null while it is open: `closed_at` as a column of a query. Put it on the user
    with `remember_closed_at`."""
    closures = AccountClosure.objects.closed().filter(user=OuterRef(user_ref))
    return Subquery(closures.order_by("closed_at").values("closed_at")[:1])


def closed_account(user_ref: str):
    """`is_closed` as a condition of a query, for the user at ``user_ref``."""
    return Exists(AccountClosure.objects.closed().filter(user=OuterRef(user_ref)))


def with_closed_at(users):
    """``users`` (a User queryset) each read with their closure (`closed_at_of`): a list of
    them names a closed or deactivated account (User.name) without a query per name."""
    return users.annotate(**{CLOSED_AT: closed_at_of("pk")})


def open_accounts(users):
    """``users`` (a User queryset) without the closed accounts, each read with their closure
    (`with_closed_at`): who a picker may offer to take, cover or join a patient's care. A
    closed account never comes back; every clinician picker listed it by its placeholder
    address ("closed-7@closed.invalid")."""
    return with_closed_at(users).filter(**{f"{CLOSED_AT}__isnull": True})


def remember_closed_at(user, closed_at) -> None:
    """What `closed_at_of` read for ``user``, kept on it for `closed_at` and `is_closed`."""
    setattr(user, CLOSED_AT, closed_at)


def closed_at(user):
    """When ``user``'s account was closed (ldn_journal.accounts.closure), None while it is
    open. The one reading of "is this account closed": from the query that loaded the user
    when it read it (`closed_at_of`), else one query."""
    if CLOSED_AT in user.__dict__:
        return user.__dict__[CLOSED_AT]
    if user.pk is None:
        return None
    closures = AccountClosure.objects.closed().filter(user=user).order_by("closed_at")
    return closures.values_list("closed_at", flat=True).first()


def is_closed(user) -> bool:
    """Whether the account was closed (ldn_journal.accounts.closure closes it)."""
    return closed_at(user) is not None


class BulkInvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins see every batch (any admin may finish a colleague's); nobody else any."""
        if user.is_authenticated and user.is_active and user.role == Role.ADMIN:
            return self
        return self.none()


class BulkInvitation(models.Model):
    """An uploaded CSV of invitations: previewed row by row, then sent by one task."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BulkInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["preview", "sending", "done"]),
                name="bulk_invitation_status_valid",
            )
        ]

    def __str__(self):
        return f"Bulk invitation #{self.pk}"


class BulkInvitationRow(models.Model):
    """One data row of the file, its verdict at upload and what sending it did."""

    class Verdict(models.TextChoices):
        INVITE = "invite", _("New invitation")
        CARE_TEAM = "care_team", _("Existing account: care-team request")
        ERROR = "error", _("Error")

    class Status(models.TextChoices):
        # Rows with an error are never sent: they stay "not sent".
        NOT_SENT = "not_sent", _("Not sent")
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(BulkInvitation, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row in the file, the header being row 1
    email = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=300, blank=True)
    name = models.CharField(max_length=300, blank=True)
    clinician_email = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=300, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    # What is wrong (a code from bulk_invitations.PROBLEMS or NAME_REFUSALS) and its detail (a
    # column name, a row number, the refused characters): the message is written in the
    # reader's language when shown.
    problem = models.CharField(max_length=30, blank=True)
    problem_detail = models.CharField(max_length=100, blank=True)
    # Every problem the upload found in the row, [code, detail] pairs in the order they are
    # told (the first is also `problem`): a row is corrected once, not one problem per upload.
    problems = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    care_team_request = models.ForeignKey(
        "patients.CareTeamRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="bulk_row_unique_number"),
            models.CheckConstraint(
                condition=~models.Q(verdict="error") | models.Q(status="not_sent"),
                name="bulk_row_error_never_sent",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self):
        return f"Row {self.number} of bulk invitation #{self.batch_id}"
