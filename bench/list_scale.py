"""`python -m bench.list_scale`: the clinician list's page query for teams of 50, 500 and 5,000.

Builds a clinic in bulk (5,000 patients with a few nights each, three clinicians whose teams
are the first 50, the first 500 and all of them), writes every attention row with the one
writer (`attention.rebuild`, which also copies the sort onto the care-team links), runs
VACUUM ANALYZE, then for page 1 and page 10 of each team prints the page query's plan (its
nodes, EXPLAIN ANALYZE's execution time) and the time of the whole `list_page` call, and
beside them the plan of the same page sorted through the access gate (the path an
emergency grant takes, and the only one before issue 19's index). Writes
bench/results/list_scale.json. Drops and recreates its own database
(`LIST_SCALE_DATABASE_URL`, default ldn_list_scale). About a minute on two cores.
"""

import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from bench.harness import RESULTS, ROOT, commit, load_average, machine

DB_URL = os.environ.get(
    "LIST_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ldn_list_scale"
)
TEAMS = (50, 500, 5000)
PAGES = (1, 10)
REPEATS = int(os.environ.get("LIST_SCALE_REPEATS", "7"))
NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


def recreate_database():
    import psycopg

    parsed = urlparse(DB_URL)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_clinic():
    from decimal import Decimal

    from ldn_journal.accounts.models import Role, User
    from patients.models import CareTeamMembership, NightlyEntry, Patient

    rng = random.Random(19)
    patients_n = max(TEAMS)
    clinicians = User.objects.bulk_create(
        User(email=f"team{n}@bench.example", display_name=f"Team {n}", role=Role.CLINICIAN)
        for n in TEAMS
    )
    words = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fay", "Gus", "Hana", "Iker", "Jo", "Kai"]
    users = User.objects.bulk_create(
        (
            User(
                email=f"p{i}@bench.example",
                display_name=f"{rng.choice(words)} {rng.choice(words)}son {i}",
                password="!",
            )
            for i in range(patients_n)
        ),
        batch_size=2000,
    )
    joined = NOW - timedelta(days=60)
    patients = Patient.objects.bulk_create(
        (Patient(user=u, time_zone="Europe/London", created_at=joined) for u in users),
        batch_size=2000,
    )
    tonight = NOW.date() - timedelta(days=1)
    entries = []
    for patient in patients:
        # Last entry 0-20 nights ago (some gone quiet), a few nights before it, a third skipped.
        last = tonight - timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 12, 20]))
        for back in range(rng.randint(1, 6)):
            night = last - timedelta(days=back)
            skipped = rng.random() < 0.3
            entries.append(
                NightlyEntry(
                    patient=patient,
                    night=night,
                    status="skipped" if skipped else "taken",
                    dose_mg=None if skipped else Decimal("4.5"),
                    pain=rng.randint(0, 10),
                )
            )
    NightlyEntry.objects.bulk_create(entries, batch_size=5000)
    links = [
        CareTeamMembership(patient=patient, clinician=clinician)
        for clinician, size in zip(clinicians, TEAMS, strict=True)
        for patient in patients[:size]
    ]
    CareTeamMembership.objects.bulk_create(links, batch_size=5000)
    return dict(zip(TEAMS, clinicians, strict=True)), len(entries)


def plan_nodes(plan, depth=0):
    yield depth, plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child, depth + 1)


def explain(queryset):
    """EXPLAIN ANALYZE of the queryset's SQL: (nodes as text, median execution ms)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    times, plan = [], None
    with connection.cursor() as cursor:
        for _ in range(REPEATS):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
            value = cursor.fetchone()[0]
            result = (json.loads(value) if isinstance(value, str) else value)[0]
            times.append(result["Execution Time"])
            plan = result["Plan"]
    nodes = []
    for depth, node in plan_nodes(plan):
        name = node["Node Type"]
        if node.get("Index Name"):
            name += f" using {node['Index Name']}"
        if node.get("Sort Method"):
            name += f" ({node['Sort Method']})"
        nodes.append(f"{'  ' * depth}{name} rows={node.get('Actual Rows')}")
    return nodes, statistics.median(times)


def timed_round_robin(calls):
    """Each call's median and fastest time in ms, the calls taking turns (so that the load
    of a shared machine, which moves by the second, falls on every team alike)."""
    for call in calls.values():
        call()  # warm
    times = {key: [] for key in calls}
    for _ in range(REPEATS * 3):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            times[key].append((time.perf_counter() - started) * 1000)
    return {key: (statistics.median(t), min(t)) for key, t in times.items()}


def measure(teams):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from patients.clinic import attention, dashboard
    from patients.models import Patient

    size = dashboard.PAGE_SIZE
    figures = []
    for team, clinician in teams.items():
        for page in PAGES:
            start = (page - 1) * size
            if start >= team:
                continue
            links = attention.team_links(clinician)[start : start + size]
            nodes, query_ms = explain(links)
            gate = Patient.objects.visible_to(clinician).order_by(*attention.ORDER)
            gate_nodes, gate_ms = explain(gate.values_list("pk", flat=True)[start : start + size])
            with CaptureQueriesContext(connection) as queries:
                attention.list_page(clinician, NOW, page)
            figures.append(
                {
                    "team": team,
                    "page": page,
                    "plan": nodes,
                    "query_ms": round(query_ms, 3),
                    "list_page_queries": len(queries),
                    "gate_plan": gate_nodes,
                    "gate_query_ms": round(gate_ms, 3),
                }
            )
            print(f"\nteam {team}, page {page}: page query {query_ms:.3f} ms", flush=True)
            print("\n".join(f"    {line}" for line in nodes))
            print(f"  sorted through the gate instead: {gate_ms:.3f} ms")
            print("\n".join(f"    {line}" for line in gate_nodes))
    # The filters on the biggest team: a common flag kind and a common name (the team read
    # in index order, filtered, until the page is full), a rare name and a kind no one has
    # (the trigram and jsonb GIN indexes first, then the few matches sorted), needs review
    # (a column of the link, read in index order).
    clinician = teams[max(TEAMS)]
    for filters in (
        {"kind": "quiet"},
        {"kind": "urgent"},
        {"search": "hana"},
        {"search": "son 4321"},
        {"needs_review": True},
    ):
        nodes, query_ms = explain(attention.team_links(clinician, **filters)[:size])
        figures.append(
            {
                "team": max(TEAMS),
                "page": 1,
                "filters": filters,
                "plan": nodes,
                "query_ms": round(query_ms, 3),
            }
        )
        print(f"\nteam {max(TEAMS)}, page 1, {filters}: page query {query_ms:.3f} ms")
        print("\n".join(f"    {line}" for line in nodes))
    # The whole of list_page() (the checks before the page, the count, the page, the page's
    # rows), every figure's call taking turns.
    calls = {
        i: (
            lambda f=figure: attention.list_page(
                teams[f["team"]], NOW, f["page"], **f.get("filters", {})
            )
        )
        for i, figure in enumerate(figures)
    }
    print("\nlist_page() in ms, median (fastest):")
    for i, (median, fastest) in timed_round_robin(calls).items():
        figure = figures[i]
        figure["list_page_ms"] = round(median, 2)
        figure["list_page_fastest_ms"] = round(fastest, 2)
        label = f"team {figure['team']}, page {figure['page']} {figure.get('filters', '')}"
        print(f"  {label}: {median:.1f} ({fastest:.1f})")
    return figures


def main():
    recreate_database()
    os.environ.update(
        {
            "DATABASE_URL": DB_URL,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "LDN_VAR_DIR": tempfile.mkdtemp(prefix="ldn-list-scale-"),
            "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
            "LOG_LEVEL": "WARNING",
            # The list reads no cache: the database cache table stands in for Redis.
            "REDIS_URL": "",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from patients.clinic import attention

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    teams, entries = build_clinic()
    built = time.perf_counter() - started
    started = time.perf_counter()
    rows = attention.rebuild(NOW)
    rebuilt = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum keeps a live database
    print(
        f"built {max(TEAMS)} patients, {entries} nights in {built:.1f} s; "
        f"{rows} attention rows written in {rebuilt:.1f} s",
        flush=True,
    )
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "load_average": load_average(),
        "machine": machine(),
        "patients": max(TEAMS),
        "nights": entries,
        "rebuild_seconds": round(rebuilt, 1),
        "pages": measure(teams),
    }
    results["load_average_after"] = load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "list_scale.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nload average {results['load_average']} → {results['load_average_after']}")
    print(f"commit {results['commit']}; wrote bench/results/list_scale.json")


if __name__ == "__main__":
    main()
