"""Point 2: one settings module read from the environment, safe in development, strict in
production. Each case imports the settings in a fresh process with exactly the given env."""

import secrets
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from tests.settings_support import read_settings, run_python, settings_json

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "ldn.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://ldn.example.org",
    "SITE_URL": "https://ldn.example.org",
    "DATABASE_URL": "postgres://ldn:secret@db.internal:5432/ldn",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "DEFAULT_FROM_EMAIL": "LDN Journal <journal@ldn.example.org>",
}
# DEBUG is off unless set: a development site asks for it.
DEVELOPMENT = {"DEBUG": "true"}


def test_debug_off_without_a_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    result = run_python("import django; django.setup()", {"DEBUG": "false"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_check_deploy_is_clean_under_the_production_variables(tmp_path):
    result = run_python(
        None, PRODUCTION, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_short_secret_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": "short"}
    result = run_python(
        None, env, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_with_debug_true_alone_it_runs_as_a_development_site_on_sqlite_under_var(tmp_path):
    values = read_settings(
        DEVELOPMENT, tmp_path, "DEBUG", "DATABASES", "CACHES", "CELERY_BROKER_URL", "EMAIL_BACKEND"
    )
    assert values["DEBUG"] == "True"
    assert "sqlite3" in values["DATABASES"]
    assert str(tmp_path / "var" / "db.sqlite3") in values["DATABASES"]
    assert "DatabaseCache" in values["CACHES"]
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_production_variables_select_postgres_redis_and_smtp(tmp_path):
    values = read_settings(
        PRODUCTION,
        tmp_path,
        "DATABASES",
        "CACHES",
        "CELERY_BROKER_URL",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "LDN_REQUIRE_STAFF_MFA",
        "SECURE_REDIRECT_EXEMPT",
        "SESSION_COOKIE_SECURE",
    )
    assert "postgresql" in values["DATABASES"]
    assert "RedisCache" in values["CACHES"]
    assert values["CELERY_BROKER_URL"] == PRODUCTION["REDIS_URL"]
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "smtp.example.org"
    assert values["LDN_REQUIRE_STAFF_MFA"] == "True"  # on by default in production
    assert "healthz" in values["SECURE_REDIRECT_EXEMPT"]
    assert values["SESSION_COOKIE_SECURE"] == "True"


def test_staff_mfa_is_off_by_default_in_development_and_can_be_switched_on(tmp_path):
    assert read_settings(DEVELOPMENT, tmp_path, "LDN_REQUIRE_STAFF_MFA") == {
        "LDN_REQUIRE_STAFF_MFA": "False"
    }
    on = read_settings(
        {**DEVELOPMENT, "LDN_REQUIRE_STAFF_MFA": "true"}, tmp_path, "LDN_REQUIRE_STAFF_MFA"
    )
    assert on == {"LDN_REQUIRE_STAFF_MFA": "True"}


def test_the_dose_range_defaults_to_one_to_five_mg_as_decimals():

    low, high = settings.LDN_DOSE_MIN_MG, settings.LDN_DOSE_MAX_MG
    assert (low, high) == (Decimal("1"), Decimal("5"))
    assert isinstance(low, Decimal)


@pytest.mark.parametrize(
    "env",
    [
        {"LDN_DOSE_MIN_MG": "5", "LDN_DOSE_MAX_MG": "1"},
        {"LDN_DOSE_MIN_MG": "0"},
    ],
)
def test_an_impossible_dose_range_refuses_to_start(tmp_path, env):
    result = run_python("import django; django.setup()", {**DEVELOPMENT, **env}, tmp_path)
    assert result.returncode != 0
    assert "LDN_DOSE_MIN_MG" in result.stderr


def test_the_dose_range_can_be_set_from_the_environment(tmp_path):
    values = read_settings(
        {**DEVELOPMENT, "LDN_DOSE_MIN_MG": "0.5", "LDN_DOSE_MAX_MG": "4.5"},
        tmp_path,
        "LDN_DOSE_MIN_MG",
        "LDN_DOSE_MAX_MG",
    )
    assert values == {"LDN_DOSE_MIN_MG": "0.5", "LDN_DOSE_MAX_MG": "4.5"}


def test_login_is_by_email_with_allauth_rate_limits_and_mandatory_verification():

    login_methods = settings.ACCOUNT_LOGIN_METHODS
    assert login_methods == {"email"}
    assert settings.ACCOUNT_USER_MODEL_USERNAME_FIELD is None
    assert "login_failed" in settings.ACCOUNT_RATE_LIMITS
    assert "reset_password" in settings.ACCOUNT_RATE_LIMITS
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_production_renders_templates_through_the_cached_loader(tmp_path):
    # Django wraps the file loaders in the cached one when no loaders are listed; a listed
    # "loaders" option without it would parse every template on every request.
    code = (
        "import django; django.setup(); from django.template import engines; "
        "print(' '.join(type(l).__module__ for l in engines['django'].engine.template_loaders))"
    )
    result = run_python(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.template.loaders.cached"]


def test_postgres_statements_are_prepared_unless_switched_off_for_a_pooler(tmp_path):
    def options(env):
        return settings_json("settings.DATABASES['default'].get('OPTIONS', {})", env, tmp_path)

    assert options(PRODUCTION) == {"server_side_binding": True, "prepare_threshold": 5}
    assert options({**PRODUCTION, "LDN_DATABASE_PREPARED": "false"}) == {}
    # SQLite (the development fallback) has neither.
    assert "server_side_binding" not in options(DEVELOPMENT)


@pytest.mark.django_db
def test_the_connection_prepares_a_statement_run_five_times():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::int + 1", [41])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1
