"""The project migrates on SQLite too (`make run`'s fallback): PostgreSQL-only operations (the
list's GIN and trigram indexes) are skipped there, and the list still filters and searches."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_migration_applies_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "patients.0015_list_index_served... OK" in done.stdout


def run(env, *args, timeout=600):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_sqlite_demo_serves_every_roles_main_pages(tmp_path):
    """`make run` without PostgreSQL: migrate, seed the demo, and every role's main pages
    answer (the plan and night readers fall back from PostgreSQL arrays)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
    }
    env.pop("REDIS_URL", None)
    for step in (("migrate", "--noinput"), ("createcachetable",), ("seed_demo",)):
        done = run(env, *step)
        assert done.returncode == 0, done.stderr[-3000:]
    script = (ROOT / "tests" / "sqlite_demo_pages.py").read_text()
    done = run(env, "shell", "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FAILURES: none" in done.stdout, done.stdout[-3000:]
