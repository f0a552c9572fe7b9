"""Finding 9: safe defaults. DEBUG is off unless set to true; the site refuses to start in
production shape without a real SECRET_KEY, never accepts the committed development key, and
requires staff MFA. Each case imports the settings in a fresh process with exactly the given
environment (tests/test_settings.py's helpers)."""

import re
import secrets
from pathlib import Path

import pytest

from tests.settings_support import read_settings, run_python

ROOT = Path(__file__).resolve().parents[2]
DEV_KEY = "django-insecure-development-only-key-do-not-use-in-production"


def test_with_no_variables_debug_is_off_so_the_site_refuses_to_start_without_a_secret_key(
    tmp_path,
):
    result = run_python("import django; django.setup()", {}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_a_secret_key_and_nothing_else_debug_is_off_and_staff_need_mfa(tmp_path):
    values = read_settings(
        {"SECRET_KEY": secrets.token_urlsafe(64)}, tmp_path, "DEBUG", "LDN_REQUIRE_STAFF_MFA"
    )
    assert values == {"DEBUG": "False", "LDN_REQUIRE_STAFF_MFA": "True"}


def test_debug_true_is_a_development_site_with_the_development_key(tmp_path):
    values = read_settings({"DEBUG": "true"}, tmp_path, "DEBUG", "LDN_REQUIRE_STAFF_MFA")
    assert values == {"DEBUG": "True", "LDN_REQUIRE_STAFF_MFA": "False"}


@pytest.mark.parametrize("key", [DEV_KEY, "django-insecure-" + "x" * 50])
def test_the_development_key_is_refused_with_debug_off(tmp_path, key):
    result = run_python("import django; django.setup()", {"SECRET_KEY": key}, tmp_path)
    assert result.returncode != 0
    assert "development key" in result.stderr


def test_staff_mfa_cannot_be_switched_off_with_debug_off(tmp_path):
    env = {"SECRET_KEY": secrets.token_urlsafe(64), "LDN_REQUIRE_STAFF_MFA": "false"}
    result = run_python("import django; django.setup()", env, tmp_path)
    assert result.returncode != 0
    assert "LDN_REQUIRE_STAFF_MFA" in result.stderr


def test_the_makefile_sets_debug_true_for_its_development_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export DEBUG \?= true$", makefile, re.MULTILINE)


def test_the_test_suite_sets_debug_true_itself():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"DEBUG=true"' in pyproject
