"""`python -m bench pages` (part of `make bench`): every page's latency against the framework's
floor, as an outside performance engineer measures it.

1. Builds a clinic in its own database (BENCH_DATABASE_URL, default ldn_bench, dropped and
   created): BENCH_PATIENTS patients (default 500) with BENCH_NIGHTS nights each (365), care
   teams of 50, one team of 500 and, when there are more patients, one team of all of them.
2. Serves it with gunicorn exactly as the Dockerfile's CMD says (only the bind address
   changes), with production settings (DEBUG off, Redis cache on a private redis-server,
   static files collected and hashed).
3. Signs the bench users in with real sessions (the clinicians have a TOTP authenticator and
   have just re-entered their password, as an export asks) and a CSRF token.
4. For each page: one request in-process to count its queries (CaptureQueriesContext), one
   request to the server to check it answers as a signed-in user would see it, then `wrk` at
   concurrency 1 and 8, each preceded by `/healthz` at the same concurrency (the floor: what
   the server, middleware-free path and database round trip cost on this machine right now).
5. Prints p50/p95/p99, req/s, queries, the page's p95 divided by the floor's p95, the
   workers' memory, and writes bench/results/latest.json.

Knobs: BENCH_PATIENTS (500; 5000 adds a team of 5,000), BENCH_NIGHTS (365 per patient),
BENCH_GC_FREEZE (on; "off", or "on,off" measures every page against a server whose workers
freeze their start-up objects and then one whose workers do not, GUNICORN_GC_FREEZE),
BENCH_SECONDS (10: each page run; a
slow page runs longer, up to BENCH_MAX_SECONDS=45, to collect enough requests),
BENCH_FLOOR_SECONDS (5), BENCH_PAGES (comma-separated page keys, default all).
"""

import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.harness import (
    DB_URL,
    RESULTS,
    ROOT,
    commit,
    free_port,
    load_average,
    machine,
    recreate_database,
    start_redis,
    wait_for,
)

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "500"))
NIGHTS = int(os.environ.get("BENCH_NIGHTS", "365"))
TEAM = 50
BIG_TEAM = 500
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "45"))
FLOOR_SECONDS = float(os.environ.get("BENCH_FLOOR_SECONDS", "5"))
CONCURRENCY = (1, 8)
# BENCH_ROUNDS: how many times each page's floor-then-page pair runs at each concurrency. On a
# shared machine one pair's ratio moved by a quarter between runs minutes apart (the patient
# page read 15.6x and 20.8x); with more rounds the row reports the round of median ratio and
# every round's ratio beside it.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "1")))


def _gc_modes(text):
    """BENCH_GC_FREEZE: "on" (the default, as deployed), "off", or "on,off" to run the pages
    against both servers one after the other."""
    modes = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not modes or any(mode not in ("on", "off") for mode in modes):
        raise SystemExit(f"bench: BENCH_GC_FREEZE takes on, off or on,off, not {text!r}")
    return tuple(dict.fromkeys(modes))


GC_MODES = _gc_modes(os.environ.get("BENCH_GC_FREEZE", "on"))
# A slow page runs until it has about this many requests (within MAX_SECONDS).
WANTED_REQUESTS = 20
HOST = "localhost"
PASSWORD = "bench-" + secrets.token_urlsafe(12)
# The patients' zone is chosen when the clinic is built so that it is 21:xx there: every run
# meets the same evening (tonight's card waiting, "Taken now" inside the dosing window),
# whatever the hour. With a fixed zone a morning run measured Taken now's refusal ("past
# the night's dosing window", 4 statements) and an afternoon run the save (14).
EVENING_HOUR = 21


def bench_zone(now, hour=EVENING_HOUR):
    """The fixed-offset zone (no summer time) where it is ``hour``:xx at ``now`` (the worker
    tests' evening_now reads it too)."""
    offset = (hour - now.astimezone(UTC).hour) % 24
    offset -= 24 if offset > 14 else 0  # Etc zones run from UTC-12 to UTC+14
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX sign: GMT-5 = UTC+5


ZONE = bench_zone(datetime.now(UTC))
STATIC_ROOT = ROOT / "var" / "bench-static"


# --- The clinic ---------------------------------------------------------------------------


def _plain(version_rows):
    from prescriptions import titration

    return [
        titration.PlainVersion(
            number=number,
            effective_night=effective,
            start_date=effective,
            steps=tuple(titration.Step(Decimal(dose), days) for dose, days in steps),
        )
        for number, effective, steps in version_rows
    ]


def _plan_for(index, first_night, tonight):
    """Every patient climbs 1.5 -> 3 -> 4.5 mg; every fifth was brought back to 3 mg 90
    nights ago (a second plan version)."""
    start = first_night - timedelta(days=5)
    rows = [(1, start, [("1.5", 14), ("3.0", 14), ("4.5", None)])]
    if index % 5 == 4:
        rows.append((2, tonight - timedelta(days=90), [("3.0", None)]))
    return rows


def _entry(patient, night, dose, rng, *, pain_shift=0, deviate=False):
    from patients.models import NightlyEntry

    zone = ZoneInfo(ZONE)
    entry = NightlyEntry(patient=patient, night=night, prescribed_mg=dose)
    if rng.random() < 0.05:
        entry.status = NightlyEntry.Status.SKIPPED
        entry.skip_reason = rng.choice(("forgot", "side_effects", "out_of_medication"))
        logged = datetime.combine(night, datetime.min.time(), zone) + timedelta(hours=22)
    else:
        entry.status = NightlyEntry.Status.TAKEN
        entry.dose_mg = max(Decimal("1.0"), dose - Decimal("1.5")) if deviate else dose
        hour = rng.choice((21, 21, 22, 22, 23))
        entry.taken_at = datetime.combine(night, datetime.min.time(), zone) + timedelta(
            hours=hour, minutes=rng.randint(0, 59)
        )
        entry.bedtime = entry.taken_at + timedelta(minutes=rng.randint(10, 70))
        logged = entry.taken_at + timedelta(minutes=rng.randint(0, 4))
    entry.evening_logged_at = entry.created_at = entry.updated_at = logged
    if rng.random() < 0.85:
        entry.pain = max(0, min(10, 5 + pain_shift + rng.randint(-2, 2)))
        entry.fatigue = max(0, min(10, 5 + rng.randint(-2, 2)))
        entry.mood = max(0, min(10, 5 + rng.randint(-2, 2)))
        entry.sleep_quality = rng.randint(4, 8)
        entry.dreams = rng.choice(("none", "normal", "normal", "vivid"))
        entry.dream_intensity = rng.randint(1, 7) if entry.dreams != "none" else None
        if rng.random() < 0.08:
            entry.notes = rng.choice(("Walked the dog.", "Flare in the afternoon.", "Slept well."))
        entry.morning_logged_at = datetime.combine(
            night + timedelta(days=1), datetime.min.time(), zone
        ) + timedelta(hours=8, minutes=rng.randint(0, 45))
    return entry


def build_clinic(now):
    """Bulk-inserts the clinic; returns what the pages need (users, the patient, nights)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from ldn_journal.accounts.models import Role, User
    from patients.models import (
        CareTeamMembership,
        Patient,
        SymptomScale,
    )
    from patients.rules.nights import EVENING, tonight
    from prescriptions.models import PlanStep, PlanVersion, Prescription

    started = time.perf_counter()
    zone = ZoneInfo(ZONE)
    tonight_night = tonight(now, zone, EVENING)
    first_night = tonight_night - timedelta(days=NIGHTS)
    password = make_password(PASSWORD)

    def clinician(email, name):
        return User(email=email, display_name=name, role=Role.CLINICIAN, password=password)

    team_leads = [
        clinician(f"bench-team{t}@example.org", f"Team {t} clinician")
        for t in range(math.ceil(PATIENTS / TEAM))
    ]
    big = clinician("bench-team500@example.org", "Team of 500 clinician")
    extra = [clinician(f"bench-team{PATIENTS}@example.org", f"Team of {PATIENTS} clinician")]
    clinicians = User.objects.bulk_create(
        [*team_leads, big, *(extra if PATIENTS > BIG_TEAM else [])]
    )
    team_leads, big = clinicians[: len(team_leads)], clinicians[len(team_leads)]
    everyone = clinicians[-1] if PATIENTS > BIG_TEAM else None

    users = User.objects.bulk_create(
        User(
            email=f"bench-patient{i}@example.org",
            display_name=f"Patient {i:05d}",
            # Only the journal's bench patient signs in; a hash per user would take minutes.
            password=password if i == 0 else "!",
        )
        for i in range(PATIENTS)
    )
    joined = now - timedelta(days=NIGHTS + 10)
    patients = Patient.objects.bulk_create(
        Patient(user=u, time_zone=ZONE, created_at=joined) for u in users
    )
    links = []
    for i, patient in enumerate(patients):
        lead = team_leads[i // TEAM]
        links.append(CareTeamMembership(patient=patient, clinician=lead, added_at=joined))
        if i < BIG_TEAM:
            links.append(CareTeamMembership(patient=patient, clinician=big, added_at=joined))
        if everyone is not None:
            links.append(CareTeamMembership(patient=patient, clinician=everyone, added_at=joined))
    CareTeamMembership.objects.bulk_create(links, batch_size=5000)

    prescriptions = Prescription.objects.bulk_create(
        Prescription(
            patient=p,
            prescriber=team_leads[i // TEAM],
            start_date=first_night - timedelta(days=5),
            strengths=["1.5", "3.0", "4.5"],
        )
        for i, p in enumerate(patients)
    )
    plans = [_plan_for(i, first_night, tonight_night) for i in range(PATIENTS)]
    versions, steps = [], []
    for i, prescription in enumerate(prescriptions):
        for number, effective, _ in plans[i]:
            versions.append(
                PlanVersion(
                    prescription=prescription,
                    number=number,
                    kind=PlanVersion.Kind.CREATED if number == 1 else PlanVersion.Kind.CHANGED,
                    effective_night=effective,
                    start_date=effective,
                    author=team_leads[i // TEAM],
                    reason="bench",
                    created_at=datetime.combine(effective, datetime.min.time(), UTC),
                )
            )
    versions = PlanVersion.objects.bulk_create(versions, batch_size=5000)
    by_patient = iter(versions)
    for i in range(PATIENTS):
        for _, _, version_steps in plans[i]:
            version = next(by_patient)
            for position, (dose, days) in enumerate(version_steps):
                steps.append(
                    PlanStep(version=version, position=position, dose_mg=Decimal(dose), days=days)
                )
    PlanStep.objects.bulk_create(steps, batch_size=5000)

    scales = {}
    for i, patient in enumerate(patients):
        if i % 10 == 1:
            scales[patient.pk] = SymptomScale(
                patient=patient, name="Brain fog", created_by=team_leads[i // TEAM]
            )
    SymptomScale.objects.bulk_create(scales.values())

    entries_made = _make_nights(patients, plans, scales, tonight_night)
    _make_reviews_notes_and_reports(patients, team_leads, tonight_night, now)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"built the clinic: {PATIENTS:,} patients, {entries_made:,} nights, teams of {TEAM}, "
        f"one of {BIG_TEAM}{f' and one of {PATIENTS:,}' if everyone else ''} "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {
        "patient_user": users[0],
        "patient": patients[0],
        "team50": team_leads[0],
        "team500": big,
        "team_all": everyone,
        "tonight": tonight_night,
        "first_night": first_night,
        "entries": entries_made,
    }


def _make_nights(patients, plans, scales, tonight_night):
    """A year of nights for every patient, with side effects and extra scores; returns how
    many nights."""
    from patients.models import NightlyEntry, SideEffect, SymptomScore
    from prescriptions import titration

    entries_made = 0
    chunk = 25
    for first in range(0, PATIENTS, chunk):
        entries, effects, scores = [], [], []
        for i in range(first, min(first + chunk, PATIENTS)):
            patient = patients[i]
            rng = random.Random(i)
            plain = _plain(plans[i])
            # A few kinds of patients, so the list has every flag to sort by.
            quiet = i % 10 == 3  # nothing for the last 8 nights: gone quiet, missed nights
            deviator = i % 10 == 5  # two recent doses lower than prescribed
            worsening = i % 10 == 7  # pain up by 3 over the last week
            for offset in range(NIGHTS, 0, -1):
                night = tonight_night - timedelta(days=offset)
                if (quiet and offset <= 8) or rng.random() < 0.03:
                    continue
                dose = titration.prescribed_dose(plain, night)
                if dose is None:
                    continue
                entry = _entry(
                    patient,
                    night,
                    dose,
                    rng,
                    pain_shift=3 if worsening and offset <= 7 else 0,
                    deviate=deviator and offset in (2, 4),
                )
                entries.append(entry)
        entries = NightlyEntry.objects.bulk_create(entries, batch_size=5000)
        entries_made += len(entries)
        for entry in entries:
            rng = random.Random(entry.pk)
            if rng.random() < 0.03:
                severity = 3 if rng.random() < 0.05 else rng.choice((1, 1, 2))
                effects.append(
                    SideEffect(
                        entry=entry,
                        kind=rng.choice(("insomnia", "headache", "nausea", "anxiety")),
                        severity=severity,
                    )
                )
            scale = scales.get(entry.patient_id)
            if scale is not None and entry.pain is not None:
                scores.append(SymptomScore(entry=entry, scale=scale, value=rng.randint(2, 7)))
        SideEffect.objects.bulk_create(effects, batch_size=5000)
        SymptomScore.objects.bulk_create(scores, batch_size=5000)

    return entries_made


def _patient_notes(i, patient, lead, tonight_night, now):
    from patients.models import ClinicianNote, FlagReview, UrgentReport

    rng = random.Random(-i)
    reviews, notes, reports = [], [], []
    if i % 3 == 0:
        through = tonight_night - timedelta(days=rng.randint(1, 20))
        at = datetime.combine(through + timedelta(days=1), datetime.min.time(), UTC)
        reviews.append(
            FlagReview(patient=patient, reviewed_through=through, reviewed_by=lead, at=at)
        )
    if i % 4 == 0:
        notes += [
            ClinicianNote(
                patient=patient,
                author=lead,
                text="Reviewed at the monthly check-in.",
                created_at=now - timedelta(days=ago),
            )
            for ago in (200, 100, 30)
        ]
    if i % 100 == 11:
        reports.append(
            UrgentReport(
                patient=patient,
                symptoms=["racing_heart"],
                severity=UrgentReport.Severity.MODERATE,
                created_at=now - timedelta(hours=2),
            )
        )
    return reviews, notes, reports


def _make_reviews_notes_and_reports(patients, team_leads, tonight_night, now):
    """Flag reviews for a third, notes for a quarter, an open urgent report for 1 in 100."""
    from patients.models import ClinicianNote, FlagReview, UrgentReport

    reviews, notes, reports = [], [], []
    for i, patient in enumerate(patients):
        more = _patient_notes(i, patient, team_leads[i // TEAM], tonight_night, now)
        reviews += more[0]
        notes += more[1]
        reports += more[2]
    FlagReview.objects.bulk_create(reviews)
    ClinicianNote.objects.bulk_create(notes)
    UrgentReport.objects.bulk_create(reports)


# --- Sessions ---------------------------------------------------------------------------


@dataclass
class Session:
    """A signed-in browser: its cookie header and CSRF token, and a test client with the same
    cookies for counting queries in-process."""

    user: object
    client: object
    csrf: str
    cookie: str = ""
    extra: dict = field(default_factory=dict)


def sign_in(user, *, staff):
    """A real session: Django's login (as allauth's ends), the password just entered (an
    export asks for it again within 5 minutes) and, for staff, a TOTP authenticator (the
    MFA middleware checks it on the first request, as in production)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    if staff:
        TOTP.activate(user, generate_totp_secret())
    client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    csrf = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    session = Session(user=user, client=client, csrf=csrf)
    refresh_password_time(session)
    return session


def refresh_password_time(session):
    """Marks the password as entered now (allauth's re-authentication record)."""
    from django.conf import settings

    store = session.client.session
    store["account_authentication_methods_user"] = str(session.user.pk)
    store["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": session.user.email},
        {"method": "password", "at": time.time(), "reauthenticated": True},
    ]
    store.save()
    session.cookie = "; ".join(
        f"{name}={session.client.cookies[name].value}"
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )


# --- The pages --------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    path: str
    who: str  # "patient", "team50", "team500", "team_all" or "" (anonymous)
    method: str = "GET"
    expect: int = 200


def pages(clinic):
    pk = clinic["patient"].pk
    month = clinic["tonight"].replace(day=1) - timedelta(days=1)
    # The exports ask for the record's last year (the "a year's CSV or FHIR export"):
    # the whole of a longer record is more than one export may cover (MAX_RANGE_DAYS).
    start = max(clinic["first_night"], clinic["tonight"] - timedelta(days=364))
    year = f"start={start.isoformat()}&end={clinic['tonight'].isoformat()}"
    exported = (clinic["tonight"] - start).days + 1
    listed = [
        Page("home", "patient home", "/journal/", "patient"),
        Page("taken", "Taken now (POST)", "/journal/taken/", "patient", "POST", 302),
        Page("history", "history month", f"/journal/history/?month={month:%Y-%m}", "patient"),
        Page("trends", "trends", "/journal/history/trends/", "patient"),
        Page("list50", "clinician list, team of 50", "/clinic/", "team50"),
        Page(
            "list500", f"clinician list, team of {min(BIG_TEAM, PATIENTS)}", "/clinic/", "team500"
        ),
    ]
    if clinic["team_all"] is not None:
        listed.append(
            Page("list_all", f"clinician list, team of {PATIENTS:,}", "/clinic/", "team_all")
        )
    listed += [
        Page("patient", f"patient page ({NIGHTS} nights)", f"/clinic/patients/{pk}/", "team50"),
        Page("plan", "plan page", f"/clinic/patients/{pk}/plan/", "team50"),
        Page("report", "visit report", f"/clinic/patients/{pk}/report/", "team50"),
        Page(
            "csv",
            f"CSV export ({exported} nights)",
            f"/clinic/patients/{pk}/export/csv/?{year}",
            "team50",
        ),
        Page(
            "fhir",
            f"FHIR export ({exported} nights)",
            f"/clinic/patients/{pk}/export/fhir/?{year}",
            "team50",
        ),
    ]
    wanted = [k for k in os.environ.get("BENCH_PAGES", "").split(",") if k]
    return [p for p in listed if not wanted or p.key in wanted]


def _post_body():
    import uuid

    return f"submission_id={uuid.uuid4()}"


def count_queries(page, session):
    """Queries of one request, in-process, after one warm-up request (the first request of
    a session does one-off work: the MFA check, the idle clock)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once():
        if page.method == "POST":
            return session.client.post(
                page.path,
                _post_body(),
                content_type="application/x-www-form-urlencoded",
                HTTP_X_CSRFTOKEN=session.csrf,
                secure=True,
            )
        return session.client.get(page.path, secure=True)

    once()
    with CaptureQueriesContext(connection) as queries:
        response = once()
    if response.status_code != page.expect:
        raise SystemExit(
            f"bench: {page.path} answered {response.status_code} in-process, "
            f"expected {page.expect} ({response.get('Location', '')})"
        )
    return len(queries)


def _headers(page, session):
    headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
    if session is not None:
        headers["Cookie"] = session.cookie
    if page.method == "POST":
        headers["X-CSRFToken"] = session.csrf
        headers["Origin"] = f"https://{HOST}"
        headers["Referer"] = f"https://{HOST}/journal/"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def check_served(port, page, session):
    """One request to gunicorn: the page answers as expected (not a sign-in redirect, not a
    500 from production settings) and how long it took."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    body = _post_body() if page.method == "POST" else None
    connection.request(page.method, page.path, body=body, headers=_headers(page, session))
    response = connection.getresponse()
    response.read()
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != page.expect:
        raise SystemExit(
            f"bench: {page.path} answered {response.status} from gunicorn, expected "
            f"{page.expect} ({response.getheader('Location', '')})"
        )
    if page.method == "POST" and not response.getheader("Location", "").endswith("/journal/"):
        raise SystemExit(f"bench: {page.path} redirected to {response.getheader('Location')}")
    return seconds


LUA = """
local body_needed = %(post)s
wrk.method = "%(method)s"
wrk.path = "%(path)s"
wrk.headers = %(headers)s
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end
function init(args)
  math.randomseed(os.time() * 100 + (id or 0))
end
local function r16() return math.random(0, 65535) end
local function uuid4()
  return string.format("%%04x%%04x-%%04x-4%%03x-%%04x-%%04x%%04x%%04x",
    r16(), r16(), r16(), math.random(0, 4095), 32768 + math.random(0, 16383), r16(), r16(), r16())
end
function request()
  if body_needed then
    return wrk.format(nil, nil, nil, "submission_id=" .. uuid4())
  end
  return wrk.format()
end
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _lua_table(headers):
    return "{" + ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in headers.items()) + "}"


def run_wrk(port, page, session, concurrency, seconds, workdir):
    script = Path(workdir) / f"{page.key}.lua"
    script.write_text(
        LUA
        % {
            "post": "true" if page.method == "POST" else "false",
            "method": page.method,
            "path": page.path,
            "headers": _lua_table(_headers(page, session)),
        }
    )
    done = subprocess.run(
        [
            "wrk",
            f"-t{min(concurrency, 2)}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "120s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{page.path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^BENCH_JSON (.*)$", done.stdout, re.M)
    if done.returncode or not found:
        raise SystemExit(f"bench: wrk failed for {page.path}:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(found.group(1))
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "concurrency": concurrency,
        "seconds": round(raw["duration_us"] / 1e6, 1),
        "requests": raw["requests"],
        "errors": errors,
        "per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        # To 10 us: a floor of ~0.85 ms kept to 0.1 ms moved every page's ratio by up to 6 %.
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "p95_us": raw["p95_us"],
        "load_average": load_average(),
    }


# --- The server -----------------------------------------------------------------------


def dockerfile_command(port):
    """The Dockerfile's CMD, with gunicorn from this interpreter and a local bind."""
    text = (ROOT / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*\])\s*$", text, re.M)
    if found is None:
        raise SystemExit("bench: no CMD [...] line in the Dockerfile")
    command = json.loads(found.group(1))
    if command[0] != "gunicorn":
        raise SystemExit(f"bench: the Dockerfile's CMD is not gunicorn: {command}")
    out = [sys.executable, "-m", "gunicorn"]
    args = iter(command[1:])
    for arg in args:
        if arg in ("--bind", "-b"):
            next(args)
            out += [arg, f"127.0.0.1:{port}"]
        elif arg.startswith("--bind="):
            out.append(f"--bind=127.0.0.1:{port}")
        else:
            out.append(arg)
    return command, out


def worker_pids(master_pid):
    try:
        return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []


def worker_memory_by_pid(master_pid):
    """Resident memory (MiB) of each gunicorn worker, by process id."""
    out = {}
    for pid in worker_pids(master_pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if found:
            out[pid] = round(int(found.group(1)) / 1024, 1)
    return out


def worker_memory(master_pid):
    """Resident memory (MiB) of each gunicorn worker, smallest first."""
    return sorted(worker_memory_by_pid(master_pid).values())


def start_gunicorn(env, port, workdir):
    dockerfile, command = dockerfile_command(port)
    log = open(Path(workdir) / "gunicorn.log", "w")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
    )

    def up():
        if process.poll() is not None:
            raise SystemExit(
                "bench: gunicorn exited:\n" + (Path(workdir) / "gunicorn.log").read_text()
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": HOST})
            ok = connection.getresponse().status == 200
            connection.close()
            return ok
        except OSError:
            return False

    wait_for(up, 60, "gunicorn")
    # Both workers answer before measuring (each imports Django on its first request).
    for _ in range(20):
        up()
    return process, dockerfile


# --- Main -----------------------------------------------------------------------------


def _floor_and_page(port, page, session, floor, concurrency, seconds, workdir):
    healthz = run_wrk(port, floor, None, concurrency, FLOOR_SECONDS, workdir)
    measured = run_wrk(port, page, session, concurrency, seconds, workdir)
    measured["floor_p95_ms"] = healthz["p95_ms"]
    measured["floor_p50_ms"] = healthz["p50_ms"]
    measured["ratio_p95"] = ratio_p95(measured, healthz)
    return measured


def median_round(rounds):
    """The round of median ratio (the lower middle of an even count): its figures, with every
    round's ratio (``ratios_p95``, in the order run) and their range. Its ``errors`` are every
    round's: an error in another round is not hidden by the choice."""
    ordered = sorted(rounds, key=lambda run: run["ratio_p95"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["errors"] = sum(run["errors"] for run in rounds)
    chosen["ratios_p95"] = [run["ratio_p95"] for run in rounds]
    chosen["ratio_p95_range"] = [ordered[0]["ratio_p95"], ordered[-1]["ratio_p95"]]
    return chosen


def ratio_p95(page_run, floor_run):
    """The page's p95 over the floor's, from wrk's microseconds: the milliseconds were kept
    to 0.1, and a floor of 0.85 ms read as 0.8 or 0.9 moved every ratio by up to 6 %."""
    return round(page_run["p95_us"] / max(floor_run["p95_us"], 1), 1)


def _measure_server(env, clinic, sessions, workdir, mode, servers):
    """Starts gunicorn (gc.freeze on or off in its workers), measures every page, reads each
    worker's resident memory, stops it."""
    port = free_port()
    server, dockerfile = start_gunicorn(env, port, workdir)
    servers.append(server)
    print(f"-- gunicorn with gc.freeze() {mode} --", flush=True)
    out = {
        "gc_freeze": mode,
        "server": {
            "dockerfile_cmd": dockerfile,
            "gc_freeze": mode,
            "memory_mib_at_start": worker_memory(server.pid),
        },
        "pages": [],
    }
    floor = Page("healthz", "/healthz (the floor)", "/healthz", "")
    print(
        f"{'page':34} {'c':>2} {'p50':>8} {'p95':>8} {'p99':>8} {'req/s':>7} {'n':>5} "
        f"{'queries':>7} {'floor p95':>9} {'ratio':>7} {'load':>5}",
        flush=True,
    )
    seen_workers = set(worker_pids(server.pid))
    for page in pages(clinic):
        session = sessions[page.who]
        refresh_password_time(session)
        queries = count_queries(page, session)
        single = check_served(port, page, session)
        row = {"key": page.key, "page": page.label, "path": page.path, "queries": queries}
        row["runs"] = []
        for concurrency in CONCURRENCY:
            # A slow page runs longer, to collect enough requests for its percentiles.
            per_request = single * max(1, concurrency / (os.cpu_count() or 1))
            seconds = min(MAX_SECONDS, max(SECONDS, WANTED_REQUESTS * per_request / concurrency))
            before = set(worker_pids(server.pid))
            rounds = [
                _floor_and_page(port, page, session, floor, concurrency, seconds, workdir)
                for _ in range(ROUNDS)
            ]
            run = median_round(rounds)
            after = set(worker_pids(server.pid))
            # A worker replaced (max_requests) during this run or its floor's: the new
            # worker's first requests, and the fork itself, land in these figures' tail.
            run["workers_replaced"] = len(after - before)
            row["runs"].append(run)
            seen_workers.update(after)
            print(
                f"{page.label:34} {concurrency:>2} {run['p50_ms']:>6.1f}ms "
                f"{run['p95_ms']:>6.1f}ms {run['p99_ms']:>6.1f}ms {run['per_second']:>7.1f} "
                f"{run['requests']:>5} {queries:>7} {run['floor_p95_ms']:>7.2f}ms "
                f"{run['ratio_p95']:>6.1f}x {run['load_average'][0]:>5.2f}"
                + (f"  ({run['errors']} errors)" if run["errors"] else "")
                + (
                    "  (rounds: " + ", ".join(f"{r:.1f}x" for r in run["ratios_p95"]) + ")"
                    if ROUNDS > 1
                    else ""
                )
                + _replaced(run["workers_replaced"]),
                flush=True,
            )
        out["pages"].append(row)
    memory = out["server"]
    memory["memory_mib_at_end"] = worker_memory(server.pid)
    memory["worker_memory_mib_at_end"] = worker_memory_by_pid(server.pid)
    # Workers replaced during the run (max-requests, or a crash), seen between page runs.
    memory["worker_restarts_seen"] = len(seen_workers) - len(worker_pids(server.pid))
    print(
        f"gc.freeze() {mode}: gunicorn workers' resident memory (MiB): "
        f"{memory['memory_mib_at_start']} at start; after the run "
        + ", ".join(
            f"worker {pid}: {mib}" for pid, mib in memory["worker_memory_mib_at_end"].items()
        )
        + f"; {memory['worker_restarts_seen']} worker restarts seen",
        flush=True,
    )
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)
    return out


def _replaced(workers):
    if not workers:
        return ""
    return f"  ({workers} worker{'s' if workers > 1 else ''} replaced)"


def _stop(signum, _frame):
    # A TERM (or Ctrl-C from make) still stops gunicorn and redis-server in `finally`.
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _stop)
    if not shutil.which("wrk"):
        raise SystemExit("bench: needs wrk (apt-get install -y wrk; `make bench` installs it)")
    recreate_database()
    redis_process, redis_url = start_redis()
    workdir = tempfile.mkdtemp(prefix="ldn-bench-pages-")
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(STATIC_ROOT),
        "EMAIL_URL": "consolemail://",
        "LDN_VAR_DIR": workdir,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
        "PYTHONPATH": str(ROOT),
        # Staff MFA is required as in production; the bench clinicians have TOTP.
        "LDN_REQUIRE_STAFF_MFA": "true",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "clinic": {"patients": PATIENTS, "nights": NIGHTS, "team": TEAM, "big_team": BIG_TEAM},
        "pages": [],
    }
    results["gc_freeze_modes"] = list(GC_MODES)
    results["runs"] = []
    servers = []
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        clinic = build_clinic(timezone.now())
        results["clinic"]["entries"] = clinic["entries"]
        # As after deploying: every patient's stored attention row written once.
        started = time.perf_counter()
        call_command("rebuild_attention", verbosity=0)
        seconds = time.perf_counter() - started
        # The rebuild rewrote every care-team link and attention row after the clinic's
        # VACUUM ANALYZE: refresh the planner's statistics, as autovacuum would soon after
        # a deploy (stale ones had it read whole teams for a page of 50).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results["clinic"]["rebuild_attention_seconds"] = round(seconds, 1)
        print(f"rebuilt the attention rows in {seconds:.1f} s", flush=True)
        sessions = {
            "patient": sign_in(clinic["patient_user"], staff=False),
            "team50": sign_in(clinic["team50"], staff=True),
            "team500": sign_in(clinic["team500"], staff=True),
        }
        if clinic["team_all"] is not None:
            sessions["team_all"] = sign_in(clinic["team_all"], staff=True)
        for mode in GC_MODES:
            run = _measure_server(
                {**env, "GUNICORN_GC_FREEZE": "true" if mode == "on" else "false"},
                clinic,
                sessions,
                workdir,
                mode,
                servers,
            )
            results["runs"].append(run)
        # The first mode's figures at the top level, where bench.table and earlier runs read
        # them.
        results["server"], results["pages"] = (
            results["runs"][0]["server"],
            results["runs"][0]["pages"],
        )
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(30)
        redis_process.send_signal(signal.SIGTERM)
        redis_process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = load_average()
    print(f"load average (1, 5, 15 min): {results['machine']['load_average_at_end']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
