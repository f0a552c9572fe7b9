"""Two checkouts compared request by request: `python -m bench.interleaved BEFORE_DIR [PAGE ...]`.

On a shared machine the speed of the same code moves by 10-30 % from one minute to the next,
so two `make bench` runs minutes apart cannot show a change of a few per cent. This runs one
Django process per checkout (this one and BEFORE_DIR, e.g. `git worktree add /tmp/before
REV`), each serving the bench's pages in-process with production settings, and sends one
request to each in turn (the order alternating), so both meet the same machine. For each
page it prints the wall and CPU time per request (p50, p90) of each side and the change.

It reads the clinic the last `python -m bench pages` left in BENCH_DATABASE_URL (the bench
recreates that database when it starts, and leaves it when it ends), migrated to this
checkout's schema, and the static files it collected in each checkout (in a checkout it has
not run in: `STATIC_ROOT=var/bench-static python manage.py collectstatic`); the cache is
REDIS_URL's (default: database 15 of the local redis-server). Knobs: BENCH_REQUESTS (200
per page per side). Page keys as BENCH_PAGES (bench/pages.py); default: list50, patient,
report, history.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import DB_URL, ROOT

DEFAULT_PAGES = ("list50", "patient", "report", "history")


def _environment(root):
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-interleaved-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
        "LDN_REQUIRE_STAFF_MFA": "true",
        "LDN_VAR_DIR": str(Path(root) / "var" / "interleaved"),
        # The hashed static files the bench collected for this checkout (var/bench-static).
        "STATIC_ROOT": str(Path(root) / "var" / "bench-static"),
        "PYTHONPATH": str(root),
    }


def worker(key):
    """One checkout's side: reads "go" lines, answers "wall cpu status" per request."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench import pages as bench_pages
    from patients.models import Patient
    from patients.rules.nights import EVENING, tonight

    users = get_user_model().objects
    patient_user = users.get(email="bench-patient0@example.org")
    patient = Patient.objects.get(user=patient_user)
    night = tonight(timezone.now(), patient.tz, EVENING)
    clinic = {
        "patient": patient,
        "tonight": night,
        "first_night": night - timedelta(days=bench_pages.NIGHTS),
        "team_all": None,
    }
    [page] = [p for p in bench_pages.pages(clinic) if p.key == key]
    who = {
        "patient": patient_user,
        "team50": users.get(email="bench-team0@example.org"),
        "team500": users.get(email="bench-team500@example.org"),
    }[page.who]
    print("ready", flush=True)
    session = None
    for line in sys.stdin:
        if line.strip() == "sign-in":  # one side at a time: the TOTP device is re-made
            from allauth.mfa.models import Authenticator

            Authenticator.objects.filter(user=who).delete()  # the bench's own run made one
            session = bench_pages.sign_in(who, staff=page.who != "patient")
            for _ in range(10):  # warm: templates, compiled SQL, prepared statements
                bench_pages.count_queries(page, session)
            print("signed-in", flush=True)
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        if page.method == "POST":
            response = session.client.post(
                page.path,
                bench_pages._post_body(),
                content_type="application/x-www-form-urlencoded",
                HTTP_X_CSRFTOKEN=session.csrf,
                secure=True,
            )
        else:
            response = session.client.get(page.path, secure=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{wall * 1000:.3f} {cpu * 1000:.3f} {response.status_code}", flush=True)


def _start(root, key):
    # This file runs as the worker of both sides; each side imports its own checkout's code
    # (PYTHONPATH), including its bench.pages (the sign-in and the pages' addresses).
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", key],
        cwd=root,
        env=_environment(root),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"bench: the checkout at {root} did not start")
    return process


def _ask(process, line):
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return process.stdout.readline().split()


def compare(before_dir, key, requests):
    sides = {"before": _start(before_dir, key), "after": _start(ROOT, key)}
    try:
        for process in sides.values():
            if _ask(process, "sign-in") != ["signed-in"]:
                raise SystemExit("bench: could not sign in")
        times = {name: ([], []) for name in sides}
        for i in range(requests):
            for name in ("before", "after") if i % 2 == 0 else ("after", "before"):
                wall, cpu, status = _ask(sides[name], "go")
                if status not in ("200", "302"):
                    raise SystemExit(f"bench: {key} answered {status} ({name})")
                times[name][0].append(float(wall))
                times[name][1].append(float(cpu))
    finally:
        for process in sides.values():
            process.stdin.close()
            process.wait(30)
    result = {}
    for name, (wall, cpu) in times.items():
        wall.sort()
        cpu.sort()
        result[name] = {
            "wall_p50_ms": round(statistics.median(wall), 2),
            "wall_p90_ms": round(wall[int(len(wall) * 0.9)], 2),
            "cpu_p50_ms": round(statistics.median(cpu), 2),
        }
    change = result["after"]["wall_p50_ms"] / result["before"]["wall_p50_ms"] - 1
    result["wall_p50_change"] = f"{change:+.1%}"
    return result


def main(argv):
    if argv[:1] == ["--worker"]:
        return worker(argv[1])
    if not argv:
        raise SystemExit(__doc__)
    before_dir, keys = argv[0], argv[1:] or list(DEFAULT_PAGES)
    requests = int(os.environ.get("BENCH_REQUESTS", "200"))
    results = {}
    for key in keys:
        results[key] = compare(before_dir, key, requests)
        print(key, json.dumps(results[key]), flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
