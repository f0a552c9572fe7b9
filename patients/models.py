"""Patients, their care teams and their settings."""

import functools
import zoneinfo
from datetime import UTC, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ldn_journal import sql_once
from ldn_journal.accounts.models import Role, User
from ldn_journal.compiled_queries import register
from patients.rules import coverage as coverage_rules
from patients.rules.nights import zone_or

# Names zoneinfo knows that are no place: "localtime" is the server's own zone (a patient's
# nights would follow how the server is set up) and "Factory" a placeholder.
NOT_A_PLACE = frozenset({"localtime", "Factory"})


@functools.cache
def known_time_zones() -> frozenset[str]:
    """Every zone a person can live in that zoneinfo knows: read from disk once (about 20 ms
    a read). The settings' list and every check of a stored zone read this one set."""
    return frozenset(zoneinfo.available_timezones()) - NOT_A_PLACE


def validate_time_zone(value):
    if value not in known_time_zones():
        raise ValidationError(
            _(
                "“%(value)s” is not a known time zone. Choose one from the list, "
                "such as Europe/London or America/New_York."
            ),
            params={"value": value[:60]},
        )


def _place_key(name: str) -> str:
    # "new york", "New_York" and "NEW-YORK" are one place; spaces, "_" and "-" alike.
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


@functools.cache
def _zones_by_place() -> dict[str, tuple[str, ...]]:
    """Each zone under its whole name and under its last part (the city: "London" for
    Europe/London), case and separators aside. Names with digits (Etc/GMT-5) are not cities:
    only their whole name matches, so "GMT 5" is never read as a sign."""
    places: dict[str, set[str]] = {}
    for zone in known_time_zones():
        places.setdefault(_place_key(zone), set()).add(zone)
        city = zone.rsplit("/", 1)[-1]
        if "/" in zone and not any(c.isdigit() for c in city):
            places.setdefault(_place_key(city), set()).add(zone)
    return {key: tuple(sorted(zones)) for key, zones in places.items()}


def zones_named(text: str) -> tuple[str, ...]:
    """The zones ``text`` names: itself when it is one, else the zones whose whole name or
    city (last part) it is, ignoring case, spaces, "_" and "-" ("london" -> Europe/London;
    "Buenos Aires" -> two, America/Argentina/Buenos_Aires and its old name)."""
    if text in known_time_zones():
        return (text,)
    return _zones_by_place().get(_place_key(text), ())


def default_time_zone():
    return settings.LDN_DEFAULT_PATIENT_TIME_ZONE


# How a clinician reaches a patient: their own care team, covering a colleague on it, or an
# emergency grant. The gate lets each through and the access log records which one it was.
ROUTE_CARE_TEAM, ROUTE_COVERING, ROUTE_BREAK_GLASS = "care_team", "covering", "break_glass"


def access_routes(clinician, now=None):
    """{route: the patient ids `clinician` reaches that way at `now`}, as subqueries (lazy:
    no query until the gate, or the access log's route, reads them). The one truth of who a
    clinician may see; `Patient.objects.visible_to` and `access_route_of` both read it
    (compiled once per process: `access_route_sql`, `_route_case_sql`)."""
    now = now or timezone.now()
    covered = Coverage.objects.active(now).filter(covering=clinician).values("covered_id")
    return {
        ROUTE_CARE_TEAM: CareTeamMembership.objects.filter(clinician=clinician).values(
            "patient_id"
        ),
        ROUTE_COVERING: CareTeamMembership.objects.filter(clinician__in=covered).values(
            "patient_id"
        ),
        ROUTE_BREAK_GLASS: BreakGlassGrant.objects.active(now)
        .filter(clinician=clinician)
        .values("patient_id"),
    }


ROUTES = (ROUTE_CARE_TEAM, ROUTE_COVERING, ROUTE_BREAK_GLASS)


def _route_case(clinician, patient_id, now=None):
    routes = access_routes(clinician, now)
    return models.Case(
        *(
            models.When(
                models.Exists(routes[route].filter(patient_id=patient_id)),
                then=models.Value(route),
            )
            for route in ROUTES
        ),
        default=models.Value(""),
        output_field=models.CharField(),
    )


# --- The same SQL, written once per process (ldn_journal.sql_once) ---------------------------
# The ORM spellings above are compiled for two sets of made-up values that no row has, and
# each call binds its own: the text and parameters the ORM would send, without compiling
# three subqueries on every gate, nav count and access-log row of every clinician page.

_FREEZE_AT = (
    {"clinician": -9_100_001, "patient": -9_100_002, "now": datetime(1901, 2, 3, 12, tzinfo=UTC)},
    {"clinician": -9_200_001, "patient": -9_200_002, "now": datetime(1902, 4, 5, 12, tzinfo=UTC)},
)


def _route_values(clinician_id, now, patient_id=None):
    """The named values the frozen SQL binds: what `access_routes` reads, and the clinic day
    `Coverage.objects.active` derives from `now` (freezing fails if it derives another)."""
    return {
        "clinician": clinician_id,
        "patient": patient_id,
        "now": now,
        "today": coverage_rules.clinic_day(now, settings.LDN_CLINIC_TIME_ZONE),
    }


def _freeze(using, compile_for, names):
    def values(at):
        return {
            name: value
            for name, value in _route_values(at["clinician"], at["now"], at["patient"]).items()
            if name in names
        }

    return sql_once.freeze(using, compile_for, *(values(at) for at in _FREEZE_AT))


@functools.cache
def _route_sql(using, route):
    def compile_for(values):
        routes = access_routes(values["clinician"], values["now"])
        query = Patient.objects.filter(pk__in=routes[route]).query
        subquery = query.where.children[0].rhs  # as the gate's filter nests it
        sql, params = query.get_compiler(using).compile(subquery)
        return sql.removeprefix("(").removesuffix(")"), params

    return _freeze(using, compile_for, {"clinician", "now", "today"})


@functools.cache
def _route_case_sql(using):
    def compile_for(values):
        query = Patient.objects.annotate(
            access_route=_route_case(values["clinician"], values["patient"], values["now"])
        ).query
        return query.get_compiler(using).compile(query.annotations["access_route"])

    return _freeze(using, compile_for, {"clinician", "patient", "now", "today"})


# Compiled by a gunicorn master before it forks: every access-log INSERT of a clinician
# reading a patient computes its route with it (about 5 ms to compile, once per process).
register(_route_case_sql)


def gate_is_frozen_for(user):
    """Whether `visible_to` takes its clinician branch for `user` (the one the frozen SQL
    was compiled for): an active, signed-in clinician. Anyone else goes the ORM way."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.CLINICIAN
    )


def freeze_clinician_query(using, build):
    """The SQL of ``build(clinician, patient_id, now)`` (a queryset that reaches patients
    through the gate), compiled once for an active clinician: bind it with
    `bind_clinician_query`, only for users `gate_is_frozen_for`."""

    def compile_for(values):
        clinician = User(pk=values["clinician"], role=Role.CLINICIAN, is_active=True)
        queryset = build(clinician, values["patient"], values["now"])
        return queryset.query.get_compiler(using).as_sql()

    return _freeze(using, compile_for, {"clinician", "patient", "now", "today"})


def bind_clinician_query(using, frozen, clinician, patient_id, now):
    if not gate_is_frozen_for(clinician):
        raise ValueError("the frozen gate is an active clinician's")
    return sql_once.bind(using, frozen, _route_values(clinician.pk, now, patient_id))


def fetch_clinician_query(using, clinician, patient_id, now, *frozen, around="{0}"):
    """The rows of frozen clinician queries, each bound for this clinician, patient and
    moment, in one statement: `around` places their SQL ("{0}", "{1}", ...; by default the
    one query as it is), e.g. "SELECT COUNT(*) FROM ({0}) rows". The one way frozen
    clinician queries are run (the gate's page, the nav's alerts, the list's banner)."""
    sql = around.format(*(query.sql for query in frozen))
    params = [
        value
        for query in frozen
        for value in bind_clinician_query(using, query, clinician, patient_id, now)
    ]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def access_route_sql(clinician, now=None, using=DEFAULT_DB_ALIAS):
    """`access_routes` as frozen SQL: {route: the ids of the patients it reaches, as RawSQL
    for a `pk__in` filter}, with the text and parameters the ORM spelling would send."""
    values = _route_values(clinician.pk, now or timezone.now())
    result = {}
    for route in ROUTES:
        frozen = _route_sql(using, route)
        result[route] = RawSQL(frozen.sql, sql_once.bind(using, frozen, values))  # noqa: S611
    return result


def access_route_of(clinician, patient_id, now=None, using=DEFAULT_DB_ALIAS):
    """The route as an SQL expression (care team first, then covering, then break-glass; ""
    when none), so the access log computes it inside its own INSERT at no extra query."""
    if not isinstance(patient_id, int):  # an OuterRef: the ORM spelling, resolved in place
        return _route_case(clinician, patient_id, now)
    frozen = _route_case_sql(using)
    values = _route_values(clinician.pk, now or timezone.now(), patient_id)
    return RawSQL(  # noqa: S611
        frozen.sql, sql_once.bind(using, frozen, values), output_field=models.CharField()
    )


def patient_visible(user, now=None, field="patient"):
    """A filter: the row's patient (`field`) is one `user` may see, as `visible_to` decides.

    For an active clinician one EXISTS per access route, asked per row (an index lookup
    each): filtering a few rows (the open urgent reports every clinician page counts) then
    costs the same for a team of 50 or 5,000, where `field__in=Patient.objects.visible_to()`
    read the whole team first. Anyone else: that `__in` spelling as it is."""
    if not gate_is_frozen_for(user):
        return models.Q(**{f"{field}__in": Patient.objects.visible_to(user, now)})
    routes = access_routes(user, now)
    reached = models.Q()
    for route in ROUTES:
        reached |= models.Q(
            models.Exists(routes[route].filter(patient_id=models.OuterRef(f"{field}_id")))
        )
    return reached


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, now=None):
        """The access gate: every view reaches patients through here.

        A patient sees only themselves; a clinician the patients on their care teams, those
        of a colleague they cover today and those they opened by break-glass; an admin every
        patient at account level (admin pages show no clinical data).
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.PATIENT:
            return self.filter(user=user)
        if user.role == Role.CLINICIAN:
            # Subqueries, not a join: a patient reached several ways still appears once, and
            # an active coverage or emergency grant is data the gate reads, with no query per
            # patient.
            routes = access_route_sql(user, now, self.db)
            return self.filter(
                models.Q(pk__in=routes[ROUTE_CARE_TEAM])
                | models.Q(pk__in=routes[ROUTE_COVERING])
                | models.Q(pk__in=routes[ROUTE_BREAK_GLASS])
            )
        if user.role == Role.ADMIN:
            return self.all()
        return self.none()


# own_profile_read_with's answer when the user was not read with their profile.
NOT_READ = object()


def own_profile_read_with(user):
    """The access gate's answer for a signed-in patient, ``visible_to(user)`` (their own
    profile, or None), when their user row was read with it (the authentication backends,
    ldn_journal.accounts.backends: one query for both); NOT_READ otherwise (anyone else, or
    a user read without it), and the caller asks the gate. Beside the gate so that a
    condition the gate's patient branch gains is seen here too (a test pins the two equal)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return NOT_READ
    # user.__class__, not type(user): the request's user is a lazy object standing for it.
    if user.role != Role.PATIENT or not user.__class__.patient.is_cached(user):
        return NOT_READ
    return getattr(user, "patient", None)


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    conditions = models.CharField(
        "condition(s)", max_length=300, blank=True, help_text="For example fibromyalgia, Crohn's."
    )
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code, for the emergency number shown."
    )
    reminder_time = models.TimeField(_("evening reminder time"), default=time(21, 0))
    remind_by_email = models.BooleanField(_("email reminders"), default=True)
    remind_by_push = models.BooleanField(_("push reminders"), default=False)
    morning_checkin = models.BooleanField(_("morning check-in reminder"), default=True)
    last_call = models.BooleanField(_("last-call reminder"), default=True)
    last_call_time = models.TimeField(default=time(23, 30))
    morning_time = models.TimeField(_("morning check-in time"), default=time(9, 0))
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    # Indexed so the reminder sweep selects due patients with one range scan.
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CareTeamMembership",
        through_fields=("patient", "clinician"),
        related_name="care_patients",
    )
    # Identifiers that match a report or an export to the clinic's own chart; all optional.
    date_of_birth = models.DateField(null=True, blank=True)
    record_number = models.CharField(
        "clinic record number",
        max_length=30,
        blank=True,
        help_text=_("The number the clinic's own records use for this patient."),
    )
    phone = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("International format, for example +44 20 7946 0958."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["next_reminder_at"])

    class Meta:
        ordering = ["user__display_name", "pk"]

    def __str__(self):
        return f"Patient #{self.pk}"

    @property
    def name(self):
        return self.user.name

    @property
    def time_zone_known(self) -> bool:
        """Whether the stored zone is one this server's tz database knows (a zone renamed
        in a tz update, or a name stored before the check, is not)."""
        return self.time_zone in known_time_zones()

    @property
    def zone_name(self) -> str:
        """The zone the patient's pages read their nights in: their own, or while it names
        no zone this server knows, the clinic's default (the settings page asks them to
        choose theirs; the reminder sweep skips them meanwhile)."""
        return self.time_zone if self.time_zone_known else default_time_zone()

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.zone_name)

    @property
    def phone_uri(self):
        """The phone number as a tel: link target (digits and a leading +)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if not digits:
            return ""
        return "tel:" + ("+" if self.phone.strip().startswith("+") else "") + digits


class CareTeamMembership(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="memberships")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # The clinician list's sort (issue 19), copied from the patient's PatientAttention and
    # name by its one writer (patients.clinic.attention), so that one index, clinician first
    # in the list's ORDER BY order, serves a team's page. name_key is null until written.
    # nights_silent, not a date: silence counts to each patient's own "tonight" (their zone
    # and dosing time), as the fresh evaluation sorts; the writer rewrites the row and its
    # links when that night turns (PatientAttention.valid_until), so the copy does not rot.
    # A closed account's patient (accounts is_closed) comes after every open one.
    closed = models.BooleanField(default=False)
    severity_1 = models.PositiveSmallIntegerField(default=0)
    severity_2 = models.PositiveSmallIntegerField(default=0)
    severity_3 = models.PositiveSmallIntegerField(default=0)
    nights_silent = models.PositiveIntegerField(default=0)
    name_key = models.CharField(max_length=150, null=True, blank=True)  # lower(display_name)
    needs_review = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinician"], name="care_team_unique")
        ]
        indexes = [
            models.Index(
                fields=[
                    "clinician",
                    "closed",
                    "-severity_1",
                    "-severity_2",
                    "-severity_3",
                    "-nights_silent",
                    "name_key",
                    "patient",
                ],
                name="care_team_attention",
            ),
            models.Index(
                fields=["clinician"],
                condition=models.Q(name_key__isnull=True),
                name="care_team_unsorted",
            ),
        ]

    def __str__(self):
        return f"Care team link #{self.pk}"


class BreakGlassGrantQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)

    def held_by(self, clinician, now=None):
        """The grants `clinician` holds at `now`: the break-glass banner's."""
        return self.active(now).filter(clinician=clinician)


class BreakGlassGrant(models.Model):
    """Emergency access: a clinician not on the patient's care team opened the record, with
    a reason, for LDN_BREAK_GLASS_HOURS. The access gate reads active grants; the care team
    and the admins are alerted, and the patient sees it, with the reason, in their log."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    reason = models.TextField(max_length=1000)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["clinician", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="break_glass_ends_after_start",
            )
        ]

    def __str__(self):
        return f"Break-glass grant #{self.pk}"


class CoverageQuerySet(models.QuerySet):
    def active(self, now=None):
        """Coverages in force at `now`: today (in the clinic's zone) lies within the first and
        last day, both included, and it has not been ended early."""
        now = now or timezone.now()
        today = coverage_rules.clinic_day(now, settings.LDN_CLINIC_TIME_ZONE)
        return self.filter(first_day__lte=today, last_day__gte=today).filter(
            models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=now)
        )


class Coverage(models.Model):
    """A clinician covers a colleague for whole days in the clinic's zone (first and last day
    included): meanwhile they see the colleague's patients and get their alerts, and their
    reads are logged as "covering". The gate reads active rows; patients.coverage makes them."""

    covering = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coverages_given",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    covered = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coverages_received",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CoverageQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-pk"]
        indexes = [models.Index(fields=["covering", "last_day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="coverage_last_day_not_before_first",
            ),
            models.CheckConstraint(
                condition=~models.Q(covering=models.F("covered")),
                name="coverage_not_oneself",
            ),
        ]

    def __str__(self):
        return f"Coverage #{self.pk}"


class CareTeamRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The patient asked sees theirs; the clinician asking, theirs; admins all. A request
        carries no health data, and gives the clinician nothing of the patient's."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.PATIENT:
            # Not a deactivated (or closed) clinician's: accepting it put someone on the team
            # who reads nothing and gets no urgent report, and the patient was told they had
            # joined (found by exploratory QA). Back at work, their request shows again.
            return self.filter(patient__user=user, clinician__is_active=True)
        if user.role == Role.CLINICIAN:
            return self.filter(clinician=user)
        if user.role == Role.ADMIN:
            return self.all()
        return self.none()

    def pending(self):
        return self.filter(status=CareTeamRequest.Status.PENDING)


class CareTeamRequest(models.Model):
    """A clinician asks to join an existing patient's care team; the patient decides.

    Only an admin adds a clinician without asking (DESIGN.md: a clinician joins a care team
    only through an admin or with the patient's consent)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the patient")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="care_team_requests"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="care_team_requests",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = CareTeamRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=models.Q(status="pending"),
                name="care_team_request_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "declined"]),
                name="care_team_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="care_team_request_decided_when_not_pending",
            ),
        ]

    def __str__(self):
        return f"Care team request #{self.pk} ({self.status})"


# --- The nightly journal ---------------------------------------------------------------

SCORE_FIELDS = ("sleep_quality", "dream_intensity", "pain", "fatigue", "mood")


def _dose_in_range(field="dose_mg"):
    return models.Q(**{f"{field}__isnull": True}) | (
        models.Q(**{f"{field}__gte": settings.LDN_DOSE_MIN_MG})
        & models.Q(**{f"{field}__lte": settings.LDN_DOSE_MAX_MG})
    )


def _score_in_range(field):
    return models.Q(**{f"{field}__isnull": True}) | models.Q(
        **{f"{field}__gte": 0, f"{field}__lte": 10}
    )


# What makes a night's row an entry: something logged, the evening (taken or skipped) or the
# morning check-in. A row can hold neither: a dose undone keeps its row (and with it the
# submissions that keep a replay of the dose from logging it again), with the evening cleared.
# Every surface that counts, lists or dates entries reads this one definition (logged()).
def logged_entry(path: str = "") -> models.Q:
    """LOGGED of the entry at ``path`` (``"entry__"``: a side effect's), for a query of rows
    that belong to a night."""
    return ~models.Q(**{f"{path}status": ""}) | models.Q(
        **{f"{path}morning_logged_at__isnull": False}
    )


LOGGED = logged_entry()


class NightlyEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))

    def logged(self):
        """The nights with something logged (LOGGED): not a row whose dose was undone."""
        return self.filter(LOGGED)


class NightlyEntry(models.Model):
    """One night of one patient: the evening dose and, next morning, how the night went."""

    class Status(models.TextChoices):
        TAKEN = "taken", _("Taken")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        FORGOT = "forgot", _("I forgot")
        SIDE_EFFECTS = "side_effects", _("Side effects")
        OUT_OF_MEDICATION = "out_of_medication", _("Out of medication")
        TOLD_TO_PAUSE = "told_to_pause", _("My clinician told me to pause")
        OTHER = "other", _("Other reason")

    class Dreams(models.TextChoices):
        NONE = "none", _("No dreams I remember")
        NORMAL = "normal", _("Normal dreams")
        VIVID = "vivid", _("Vivid dreams")
        NIGHTMARES = "nightmares", _("Nightmares")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="entries")
    night = models.DateField(help_text="The date of the evening the night starts on.")
    # Evening part
    status = models.CharField(max_length=8, choices=Status.choices, blank=True)
    dose_mg = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    prescribed_mg = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the plan prescribed that night when the dose was logged.",
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    bedtime = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    skip_reason_text = models.CharField(max_length=300, blank=True)
    evening_logged_at = models.DateTimeField(null=True, blank=True)
    # When the evening part was logged while it was empty (a first log, not an edit): it
    # equals evening_logged_at until the log is edited. Undo reads it (journal.can_undo): it
    # takes back a log just made, never an edit of a night logged before.
    evening_first_logged_at = models.DateTimeField(null=True, blank=True)
    # Morning part
    sleep_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    dreams = models.CharField(max_length=10, choices=Dreams.choices, blank=True)
    dream_intensity = models.PositiveSmallIntegerField(null=True, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    fatigue = models.PositiveSmallIntegerField(null=True, blank=True)
    mood = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(max_length=2000, blank=True)
    morning_logged_at = models.DateTimeField(null=True, blank=True)
    # The patient's zone when the night was logged: its times are shown in this zone for ever,
    # so moving to another zone never moves a past dose.
    time_zone = models.CharField(max_length=64, blank=True)
    logged_offline = models.BooleanField(
        default=False,
        help_text="Logged on the phone without a connection and sent later: the times are "
        "the moment the patient acted, not when the server heard of it.",
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = NightlyEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-night"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "night"], name="entry_one_per_night"),
            models.CheckConstraint(condition=_dose_in_range(), name="entry_dose_in_range"),
            models.CheckConstraint(
                condition=~models.Q(status="taken") | models.Q(dose_mg__isnull=False),
                name="entry_taken_has_dose",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="skipped") | models.Q(dose_mg__isnull=True),
                name="entry_skipped_has_no_dose",
            ),
            *[
                models.CheckConstraint(condition=_score_in_range(f), name=f"entry_{f}_0_10")
                for f in SCORE_FIELDS
            ],
        ]
        indexes = [
            models.Index(fields=["patient", "-night"]),
            # The nights changed after a review (dashboard._latest_review), without reading the
            # whole record.
            models.Index(fields=["patient", "updated_at", "night"], name="entry_changed_since"),
        ]

    def __str__(self):
        return f"Entry #{self.pk} ({self.night})"

    @property
    def is_taken(self):
        return self.status == self.Status.TAKEN

    @property
    def has_morning(self):
        return self.morning_logged_at is not None

    @property
    def is_logged(self):
        """LOGGED for one row: the evening or the morning of the night was logged."""
        return bool(self.status) or self.has_morning

    @property
    def logged_tz(self):
        """The zone this night's times are read in: the one it was logged in."""
        return zone_or(self.time_zone, self.patient.tz)

    @property
    def deviates(self):
        """The dose taken differs from the dose prescribed that night."""
        return (
            self.is_taken and self.prescribed_mg is not None and self.dose_mg != self.prescribed_mg
        )


class SideEffect(models.Model):
    class Kind(models.TextChoices):
        INSOMNIA = "insomnia", _("Insomnia")
        HEADACHE = "headache", _("Headache")
        NAUSEA = "nausea", _("Nausea")
        ANXIETY = "anxiety", _("Anxiety")
        OTHER = "other", _("Other")

    class Severity(models.IntegerChoices):
        MILD = 1, _("Mild")
        MODERATE = 2, _("Moderate")
        SEVERE = 3, _("Severe")

    entry = models.ForeignKey(NightlyEntry, on_delete=models.CASCADE, related_name="side_effects")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    other_text = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="side_effect_once_per_entry"),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3), name="side_effect_severity"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class SymptomScale(models.Model):
    """An extra 0–10 scale a clinician adds for one patient (for example "brain fog")."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="extra_scales")
    name = models.CharField(max_length=60)
    lower_is_better = models.BooleanField(default=True)
    low_anchor = models.CharField(max_length=40, default="None")
    high_anchor = models.CharField(max_length=40, default="Severe")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "name"], name="symptom_scale_unique_name")
        ]

    def __str__(self):
        return self.name


class SymptomScore(models.Model):
    entry = models.ForeignKey(NightlyEntry, on_delete=models.CASCADE, related_name="extra_scores")
    scale = models.ForeignKey(SymptomScale, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "scale"], name="symptom_score_unique"),
            models.CheckConstraint(
                condition=models.Q(value__gte=0, value__lte=10), name="symptom_score_0_10"
            ),
        ]

    def __str__(self):
        return f"Score #{self.pk}"


class Submission(models.Model):
    """A journal form's submission id: the same id posted twice gives the same result."""

    id = models.UUIDField(primary_key=True)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(NightlyEntry, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Submission {self.id}"


# --- The clinician's side: reviews, notes, preferences ----------------------------------------


class FlagReview(models.Model):
    """A clinician marked a patient's flags reviewed up to and including a night."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="flag_reviews")
    reviewed_through = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "-at"])]

    def __str__(self):
        return f"Review #{self.pk} through {self.reviewed_through}"


class PatientAttention(models.Model):
    """One patient's row of the clinician list, kept instead of recomputed on every view.

    Written only by patients.clinic.attention, from the dashboard's own evaluation of the
    flag rules (so it is a copy, never a second truth): after a change that can alter it
    commits (an entry, a plan version, a review, an urgent report or its acknowledgement),
    when the patient's night turns (`valid_until`), and nightly for every patient, which
    also repairs any drift. The list is then one indexed, paginated query.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="attention"
    )
    today = models.DateField(help_text="The patient's current night the row was computed for.")
    valid_until = models.DateTimeField(db_index=True, help_text="When that night ends.")
    computed_at = models.DateTimeField()
    # Every flag (reviewed or not), most severe first: kind, severity, first night, evidence
    # nights, explanation, key.
    flags = models.JSONField(default=list)
    # The kinds of every flag, sorted: the kind filter (a GIN index on PostgreSQL).
    kinds = models.JSONField(default=list)
    reviewed_through = models.DateField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    # The attention sort: open accounts first (a closed account's record is kept read-only,
    # at the end of the list), the three worst unreviewed severities (0 when fewer), then
    # silence.
    closed = models.BooleanField(default=False)
    severity_1 = models.PositiveSmallIntegerField(default=0)
    severity_2 = models.PositiveSmallIntegerField(default=0)
    severity_3 = models.PositiveSmallIntegerField(default=0)
    nights_silent = models.PositiveIntegerField(default=0)
    last_entry = models.DateField(null=True, blank=True)
    urgent_open = models.PositiveSmallIntegerField(default=0)
    position = models.JSONField(default=dict)  # the plan position on `today`
    adherence = models.JSONField(default=dict)  # {"7": [taken, prescribed], "30": [...]}
    pain = models.JSONField(default=list)  # the sparkline: pain, oldest night first, null gaps
    # The latest review not undone (the list's "last reviewed": who and when are read through
    # it, so a renamed reviewer shows by their name now).
    last_review = models.ForeignKey(
        "FlagReview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["closed", "-severity_1", "-severity_2", "-severity_3", "-nights_silent"],
                name="attention_sort",
            ),
            models.Index(fields=["needs_review"], name="attention_needs_review"),
        ]

    def __str__(self):
        return f"Attention of patient #{self.patient_id}"


class ClinicianNote(models.Model):
    """Care-team-private notes on a patient; patients never see them."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="clinician_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=5000)
    # The note form's hidden id (one per form drawn): the same note posted twice (a flaky
    # connection, a double click) is saved once; the unique index decides. None: notes
    # saved before the guard.
    submission_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Note #{self.pk}"


class ClinicianPreferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_preferences"
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    digest_enabled = models.BooleanField(_("daily digest of new flags"), default=True)
    digest_time = models.TimeField(default=time(7, 30))
    urgent_ignores_quiet_hours = models.BooleanField(_("urgent alerts may wake me"), default=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    next_digest_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"Preferences #{self.pk}"


# --- Reminders and alerts ---------------------------------------------------------------------


class ReminderDelivery(models.Model):
    """One message to one person on one channel, claimed exactly once by its unique key.

    The database is the source of truth; the queue only triggers sending. `key` encodes the
    (patient, night, kind, channel) of a reminder, or (report, recipient, channel) of an
    urgent alert, so a second claim of the same message fails on the unique index.
    """

    class Kind(models.TextChoices):
        EVENING = "evening", _("Evening dose")
        LAST_CALL = "last_call", _("Last call")
        MORNING = "morning", _("Morning check-in")
        MISSED = "missed", _("Missed-dose follow-up")
        DIGEST = "digest", _("Clinician digest")
        URGENT = "urgent", _("Urgent report alert")
        ESCALATION = "escalation", _("Urgent report escalation")
        UNDELIVERED = "undelivered", _("Undelivered urgent alert notice")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PUSH = "push", _("Web Push")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        SKIPPED = "skipped", _("Skipped")

    # Unique through the named constraint below, not `unique=True`: on PostgreSQL that would
    # add a second, pattern-ops index on the key that no query uses and every claim pays for.
    key = models.CharField(max_length=120)
    # Looked up through the (recipient, claimed_at) index below, which also serves the
    # foreign key; a recipient-only index would be a duplicate every claim pays for.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    night = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Indexed by (status, claimed_at) below; a status-only index would duplicate it and
    # cost every sweep's claim insert.
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Only urgent alerts carry a report: indexed by the partial index below, which the
    # sweep's reminder claims (report null) never touch.
    report = models.ForeignKey(
        "patients.UrgentReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After this a reminder is no longer useful (end of the night's window); null: never.
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # A transient failure waits for this moment; the sweep hands due retries back in batches.
    retry_at = models.DateTimeField(null=True, blank=True)
    # An urgent alert that kept failing: when the admins were told (once per delivery).
    undelivered_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="reminderdelivery_key_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["recipient", "-claimed_at"]),
            models.Index(
                fields=["report"],
                name="reminderdelivery_report",
                condition=models.Q(report__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Delivery #{self.pk} ({self.kind}/{self.channel}/{self.status})"


class PushSubscription(models.Model):
    """One browser/device that receives Web Push for a user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The sign-in (session) the browser subscribed in, as a keyed hash (a session key is a
    # credential): signing out of it takes this device off the account even when the page's
    # script could not say which endpoint is this browser's (patients.notifications.devices).
    session_mark = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Unique per user, not globally: posting someone else's endpoint makes a device of
            # the poster's own and never moves theirs (it had moved with update_or_create).
            models.UniqueConstraint(
                fields=["user", "endpoint"], name="push_subscription_one_per_user_endpoint"
            ),
        ]

    def __str__(self):
        return f"Push device #{self.pk}"


class UrgentReportQuerySet(models.QuerySet):
    def visible_to(self, user, now=None):
        return self.filter(patient_visible(user, now))

    def open(self):
        return self.filter(acknowledged_at__isnull=True)

    def oldest_first(self):
        """The one order that says which open report is the oldest: by the moment it was
        made, ties by id. The pause begins with it (patients.rules.pause), and the
        clinician's pause note and the urgent flag link to it, on the patient page (its
        annotations) and the plan page (patients.pause) alike. Ids need not follow the
        moments (a report saved after another can be dated before it): the patient page
        linked the smallest id while the plan page linked the oldest."""
        return self.order_by("created_at", "pk")


class UrgentReport(models.Model):
    """A patient's report of a bad reaction: guidance at once, the care team alerted now.

    While it is open (not acknowledged) the patient's plan is paused (patients.rules.pause).
    """

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue as planned")
        HOLD = "hold", _("Hold the plan")

    class Routing(models.TextChoices):
        CARE_TEAM = "care_team", _("The care team")
        ON_DUTY = "on_duty", _("The clinic's team on duty (admins)")

    class Symptom(models.TextChoices):
        HEADACHE = "severe_headache", _("Severe headache")
        RACING_HEART = "racing_heart", _("Racing heart")
        PANIC = "panic", _("Severe anxiety or panic")
        HALLUCINATIONS = "hallucinations", _("Hallucinations or very disturbing dreams")
        VOMITING = "vomiting", _("Vomiting")
        RASH = "rash_swelling", _("Rash or swelling")
        OTHER = "other", _("Something else")

    class Severity(models.TextChoices):
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    id_submission = models.UUIDField(unique=True, null=True, blank=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="urgent_reports")
    symptoms = models.JSONField(default=list)
    since = models.CharField(max_length=40, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    text = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ack_note = models.TextField(max_length=2000, blank=True)
    ack_decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    # Who was alerted when the report arrived: what the patient is told, truthfully.
    routed_to = models.CharField(max_length=10, choices=Routing.choices, default=Routing.CARE_TEAM)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The patient's zone when the report was made: its night and its times are read in this
    # zone for ever (urgent.reports.report_night), so moving to another zone never moves a past
    # report to another night. Blank for reports made before it was stored: the patient's zone.
    time_zone = models.CharField(max_length=64, blank=True)

    objects = UrgentReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Open reports are few: the pause loader, the nav count and the sweep read them
            # per batch of patients through this small partial index.
            models.Index(
                fields=["patient", "created_at"],
                name="urgentreport_open",
                condition=models.Q(acknowledged_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"Urgent report #{self.pk}"
