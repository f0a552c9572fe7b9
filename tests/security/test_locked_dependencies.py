"""Finding 10: reproducible installs. Every transitive dependency is pinned with its hashes in
requirements.lock (production) and requirements-dev.lock (plus the dev extra); the Dockerfile,
`make install` and so CI install from them; `make lint` fails when they are stale against
pyproject.toml; `make test` runs pip-audit over them, skipping with the reason offline.
"""

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ci_module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_lock = ci_module("check_lock")
audit_lock = ci_module("audit_lock")


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_dependency_carries_a_hash(lock):
    text = (ROOT / lock).read_text()
    pins = re.findall(r"^[A-Za-z0-9][^\s=]*==\S+", text, re.MULTILINE)
    hashed = re.findall(r"^[A-Za-z0-9][^\s=]*==\S+ \\\n\s+--hash=sha256:", text, re.MULTILINE)
    assert len(pins) > 40
    assert len(hashed) == len(pins)


def test_the_locks_match_pyproject_toml():
    assert check_lock.check(ROOT) == []


@pytest.fixture
def copy_of_the_project(tmp_path):
    for name in ("pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def edit_pyproject(root, old, new):
    path = root / "pyproject.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_new_dependency_makes_the_lock_stale(copy_of_the_project):
    edit_pyproject(
        copy_of_the_project, '"pywebpush==2.5.0",', '"pywebpush==2.5.0",\n    "rich==13.0.0",'
    )
    found = check_lock.check(copy_of_the_project)
    assert any("rich==13.0.0 is in pyproject.toml but not locked" in p for p in found)


def test_a_changed_pin_makes_the_lock_stale(copy_of_the_project):
    edit_pyproject(copy_of_the_project, '"Django==5.2.19"', '"Django==5.2.20"')
    found = check_lock.check(copy_of_the_project)
    assert any("django==5.2.19 does not satisfy" in p for p in found)


def test_a_removed_dependency_makes_the_lock_stale(copy_of_the_project):
    edit_pyproject(copy_of_the_project, '    "whitenoise==6.12.0",\n', "")
    found = check_lock.check(copy_of_the_project)
    assert any("whitenoise==6.12.0 is locked as a dependency" in p for p in found)


def test_the_checker_exits_non_zero_when_stale(copy_of_the_project, capsys):
    edit_pyproject(copy_of_the_project, '"Django==5.2.19"', '"Django==5.2.20"')
    assert check_lock.main(["check_lock.py", str(copy_of_the_project)]) == 1
    assert "make lock" in capsys.readouterr().out


def test_make_lint_checks_the_lock_and_make_test_audits_it():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PY) .ci/check_lock.py" in makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^test: lint audit$", makefile, re.MULTILINE)
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile


def test_the_image_installs_from_the_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile


# --- pip-audit's answer --------------------------------------------------------------------


def report(*dependencies):
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails_the_audit():
    code, message = audit_lock.verdict(
        report(
            {
                "name": "django",
                "version": "5.2.19",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.20"]}],
            },
            {"name": "redis", "version": "8.1.0", "vulns": []},
        ),
        "",
    )
    assert code == 1
    assert "django 5.2.19: PYSEC-1 (5.2.20)" in message


def test_a_clean_audit_passes_and_says_how_many_were_audited():
    code, message = audit_lock.verdict(
        report({"name": "redis", "version": "8.1.0", "vulns": []}), ""
    )
    assert code == 0
    assert "1 locked dependencies audited" in message


def test_an_unreachable_database_skips_with_the_reason():
    code, message = audit_lock.verdict("", "requests.exceptions.ConnectionError: no route")
    assert code == 0
    assert message.startswith("pip-audit skipped")
    assert "ConnectionError" in message


def test_a_mirror_that_audits_nothing_is_a_skip_not_a_pass():
    skipped = {"name": "redis", "skip_reason": "Dependency not found on PyPI"}
    code, message = audit_lock.verdict(report(skipped, {**skipped, "name": "kombu"}), "")
    assert code == 0
    assert message.startswith("pip-audit skipped: none of the 2 locked dependencies")
