"""LDN Journal settings: one module, read from the environment (12-factor).

With no variables set it runs as a development site on SQLite and a filesystem broker
under var/; production sets DEBUG=false and must provide SECRET_KEY and friends.
"""

import os
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("LDN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# Off unless asked for: a forgotten variable must give a production site, never a debug one.
# `make run` and the test suite set DEBUG=true themselves.
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the site refuses to start without it: "
            "set SECRET_KEY to a long random string (50+ characters), for example the output "
            "of `python -c 'import secrets; print(secrets.token_urlsafe(64))'`. "
            "For a development site set DEBUG=true instead."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and SECRET_KEY.startswith("django-insecure"):
    # The committed key (or any key Django marks as insecure) is public: anyone could sign
    # sessions and password-reset links with it.
    raise ImproperlyConfigured(
        "SECRET_KEY is a development key (it starts with 'django-insecure'). With DEBUG off "
        "set a long random secret of your own."
    )

# How many reverse proxies in front of gunicorn append to X-Forwarded-For (the documented
# deployment: 1, a TLS proxy). 0 ignores the header. Read by allauth (rate limits, sessions)
# and the access log through ldn_journal.accounts.access_log.client_ip.
LDN_TRUSTED_PROXY_COUNT = env.int("LDN_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = LDN_TRUSTED_PROXY_COUNT

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Django's own page, except for an entry the phone kept offline and sent later (it needs JSON).
CSRF_FAILURE_VIEW = "patients.journal.offline.csrf_failure"
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "simple_history",
    "csp",
    "ldn_journal.accounts",
    "ldn_journal.operations",
    "patients",
    "prescriptions",
]

MIDDLEWARE = [
    # Outermost: request latency by view covers everything below it.
    "ldn_journal.operations.metrics.RequestLatencyMiddleware",
    "ldn_journal.request_ids.RequestIdMiddleware",
    # Waits for the access-log rows written apart while the page was built (access_log).
    "ldn_journal.accounts.access_log.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's documented place): the browser's
    # language; UserLanguageMiddleware below puts the user's own setting over it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ldn_journal.accounts.languages.UserLanguageMiddleware",
    # Inside the user's language: a 404 to a replay from the phone becomes a JSON refusal.
    "patients.journal.offline.ReplayNotFoundMiddleware",
    # A form kept offline is sent only for the account it was filled in for (shared phones).
    "patients.journal.offline.ReplayOwnerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ldn_journal.accounts.middleware.SessionPolicyMiddleware",
    "ldn_journal.accounts.middleware.RequireMFAMiddleware",
    "ldn_journal.accounts.middleware.NoStoreMiddleware",
    "ldn_journal.accounts.time_zones.ViewerTimeZoneMiddleware",
]

ROOT_URLCONF = "ldn_journal.urls"
WSGI_APPLICATION = "ldn_journal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ldn_journal.accounts.context_processors.navigation",
                "patients.clinic.break_glass.banner",
            ],
            "libraries": {"once": "ldn_journal.template_once"},
            # {% field_row form.name %} in every template (ldn_journal/field_rows.py); Django's
            # {% url %} with its answers remembered (ldn_journal/url_memo.py).
            "builtins": ["ldn_journal.field_rows", "ldn_journal.url_memo"],
        },
    },
]

# Django's default form renderer, with its common widget templates written in Python: the same
# HTML, several times faster on pages with many radio buttons (ldn_journal/forms_renderer.py).
FORM_RENDERER = "ldn_journal.forms_renderer.FormRenderer"

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server and a statement run five times prepared: PostgreSQL
    # plans it once per connection instead of on every request (planning the clinician
    # list's rows took longer than running them). Not for a transaction-pooling PgBouncer
    # (LDN_DATABASE_PREPARED=false turns it off).
    if env.bool("LDN_DATABASE_PREPARED", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    # Concurrent writers (web + worker + beat) on SQLite need a busy timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth keeps its rate limits here, so it must be shared) -----------
REDIS_URL = env.str("REDIS_URL", default="")
# How long any client waits on Redis (broker, results, cache) to connect or to answer. A
# frozen Redis accepts TCP and never answers: without a socket timeout a request that
# enqueues waits for ever. A request that enqueues must answer in under 3 s.
LDN_REDIS_TIMEOUT_SECONDS = env.float("LDN_REDIS_TIMEOUT_SECONDS", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down pages still render (see ldn_journal/cache.py).
            "BACKEND": "ldn_journal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers (pytest-xdist) each keep to their own keys.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ldn")
            + os.environ.get("PYTEST_XDIST_WORKER", ""),
            "OPTIONS": {
                "socket_connect_timeout": LDN_REDIS_TIMEOUT_SECONDS,
                "socket_timeout": LDN_REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ldn_cache",
        }
    }

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task may run or wait; Redis redelivers unacked tasks after it.
        "visibility_timeout": 3600,
        "socket_connect_timeout": LDN_REDIS_TIMEOUT_SECONDS,
        "socket_timeout": LDN_REDIS_TIMEOUT_SECONDS,
        "socket_keepalive": True,
        # A publish that timed out may have reached Redis: resending it blindly could queue
        # the task twice, so a timeout is a failure (the sweep re-enqueues what is pending).
        "retry_on_timeout": False,
    }
# Results are not kept (task_ignore_result), but a result backend configured later gets
# the same bounds.
CELERY_BROKER_CONNECTION_TIMEOUT = LDN_REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = LDN_REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = LDN_REDIS_TIMEOUT_SECONDS
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth and accounts ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the user with their patient profile in one query.
    # The second refuses a wrong password for the whole chain (PermissionDenied): a backend
    # added for passwords (LDAP, ...) goes before it. Rolling these back: keep their two
    # paths (as plain subclasses) until the sessions they signed have ended, or every such
    # session is signed out.
    "ldn_journal.accounts.backends.ModelBackend",
    "ldn_journal.accounts.backends.AuthenticationBackend",
    # Sessions signed in before those two keep working until they end (a session names
    # the backend that signed it in, and Django honours only paths still listed here): these
    # two can go once SESSION_COOKIE_AGE has passed since the deploy that added the others.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "ldn_journal.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "ldn_journal.accounts.forms.SignInForm",
    "signup": "ldn_journal.accounts.forms.InvitedSignupForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_SESSION_REMEMBER = None  # ask: "remember me" keeps a patient signed in for 30 days
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Changing email (like MFA, plan holds and exports) asks for the password again first.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[LDN Journal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
    "invitation_accept": "20/m/ip",
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# allauth's passkey forms with a malformed credential refused, not a 500 (accounts/mfa_forms).
MFA_FORMS = {
    "authenticate_webauthn": "ldn_journal.accounts.mfa_forms.AuthenticateWebAuthnForm",
    "login_webauthn": "ldn_journal.accounts.mfa_forms.LoginWebAuthnForm",
    "reauthenticate_webauthn": "ldn_journal.accounts.mfa_forms.ReauthenticateWebAuthnForm",
    "add_webauthn": "ldn_journal.accounts.mfa_forms.AddWebAuthnForm",
    "signup_webauthn": "ldn_journal.accounts.mfa_forms.SignupWebAuthnForm",
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "LDN Journal"
# Sessions are recorded at sign-in (so deactivation can end them); tracking every request
# would cost four queries per page.
USERSESSIONS_TRACK_ACTIVITY = False
# Ending a device's sign-in from the list also takes its push device off the account.
USERSESSIONS_ADAPTER = "patients.notifications.devices.UserSessionsAdapter"

# --- Sessions -------------------------------------------------------------------
# Django's database sessions; the read on every request compiled once per process.
SESSION_ENGINE = "ldn_journal.accounts.session_store"
SESSION_COOKIE_AGE = 30 * 24 * 3600  # patients who ticked "remember me"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LDN_STAFF_IDLE_SECONDS = 30 * 60
LDN_STAFF_ABSOLUTE_SECONDS = 12 * 3600

# --- The clinic's rules ------------------------------------------------------------
LDN_DOSE_MIN_MG = Decimal(env.str("LDN_DOSE_MIN_MG", default="1"))
LDN_DOSE_MAX_MG = Decimal(env.str("LDN_DOSE_MAX_MG", default="5"))
if not Decimal("0") < LDN_DOSE_MIN_MG < LDN_DOSE_MAX_MG:
    raise ImproperlyConfigured("LDN_DOSE_MIN_MG must be positive and below LDN_DOSE_MAX_MG.")
# A plan change that raises the dose by more than this from one night to the next, or to
# more than the clinic's maximum, is saved only after the clinician confirms it.
LDN_MAX_OVERNIGHT_INCREASE_MG = Decimal(env.str("LDN_MAX_OVERNIGHT_INCREASE_MG", default="1.5"))
LDN_CLINIC_MAX_DOSE_MG = Decimal(env.str("LDN_CLINIC_MAX_DOSE_MG", default="4.5"))
# "Taken now" is refused this soon after a dose logged for another night (a double tap across
# nights, e.g. after flying east); the dose form still records what was taken. Eight hours
# lets the day of a switch between evening and morning dosing through (9 hours or more).
LDN_MIN_HOURS_BETWEEN_DOSES = env.int("LDN_MIN_HOURS_BETWEEN_DOSES", default=8)
LDN_REQUIRE_STAFF_MFA = env.bool("LDN_REQUIRE_STAFF_MFA", default=not DEBUG)
if not DEBUG and not LDN_REQUIRE_STAFF_MFA:
    # Staff see every patient on their team: a password alone is not enough on a real site.
    raise ImproperlyConfigured(
        "LDN_REQUIRE_STAFF_MFA=false is allowed only with DEBUG=true (a development site)."
    )
LDN_REQUIRE_PATIENT_MFA = env.bool("LDN_REQUIRE_PATIENT_MFA", default=False)
LDN_DEFAULT_PATIENT_TIME_ZONE = env.str("LDN_DEFAULT_PATIENT_TIME_ZONE", default="Europe/London")
LDN_INVITATION_DAYS = env.int("LDN_INVITATION_DAYS", default=7)
# The clinic's own zone: a covering clinician's first and last day are whole days here.
LDN_CLINIC_TIME_ZONE = env.str("LDN_CLINIC_TIME_ZONE", default=LDN_DEFAULT_PATIENT_TIME_ZONE)
# The longest a covering clinician may be set up for at once (days, first and last included).
LDN_COVERAGE_MAX_DAYS = env.int("LDN_COVERAGE_MAX_DAYS", default=92)
# How far ahead a coverage may start (days after today): leave is planned within a year, and
# a later first day is most likely a mistyped year (an access grant nobody would review).
LDN_COVERAGE_MAX_LEAD_DAYS = env.int("LDN_COVERAGE_MAX_LEAD_DAYS", default=365)

# Bulk invitations from CSV (/manage/invitations/bulk/): a larger file or more data rows is
# refused whole, before any row is looked at.
LDN_BULK_INVITATION_MAX_BYTES = env.int("LDN_BULK_INVITATION_MAX_BYTES", default=10 * 1024 * 1024)
LDN_BULK_INVITATION_MAX_ROWS = env.int("LDN_BULK_INVITATION_MAX_ROWS", default=10_000)
# How long a clinician's emergency ("break-glass") access to a patient outside their care
# team lasts once they give a reason.
LDN_BREAK_GLASS_HOURS = env.int("LDN_BREAK_GLASS_HOURS", default=12)
LDN_RETRO_DAYS = env.int("LDN_RETRO_DAYS", default=7)
# A morning-dosing patient who logs after this local time is asked when they took the dose
# (before it, "Taken now" stores the time now). HH:MM, between 01:00 and 23:59.
LDN_MORNING_DOSING_WINDOW_END = env.str("LDN_MORNING_DOSING_WINDOW_END", default="14:00")
try:
    LDN_MORNING_DOSING_WINDOW_END = dt_time.fromisoformat(LDN_MORNING_DOSING_WINDOW_END)
except ValueError as exc:
    raise ImproperlyConfigured(
        "LDN_MORNING_DOSING_WINDOW_END must be a time such as 14:00."
    ) from exc
if dt_time(1, 0) > LDN_MORNING_DOSING_WINDOW_END:
    raise ImproperlyConfigured(
        "LDN_MORNING_DOSING_WINDOW_END must be 01:00 or later (a morning dose needs a window)."
    )
LDN_EMERGENCY_NUMBER = env.str("LDN_EMERGENCY_NUMBER", default="112 / 911")
# The placeholder is translated; a real contact (a name and a number) is shown as set.
LDN_CLINIC_CONTACT = env.str("LDN_CLINIC_CONTACT", default="") or gettext_lazy("the clinic")
# The clinic's line, shown as a tap-to-call link beside the urgent guidance. The development
# default is an Ofcom drama number (020 7946 0xxx is reserved for fiction): never a real line.
LDN_CLINIC_PHONE = env.str("LDN_CLINIC_PHONE", default="+44 20 7946 0018" if DEBUG else "")
# Urgent reports: the emergency number by the patient's country (ISO code, upper case),
# falling back to LDN_EMERGENCY_NUMBER; e.g. LDN_EMERGENCY_NUMBERS="GB=999,US=911,AU=000".
LDN_EMERGENCY_NUMBERS = {
    "GB": "999",
    "IE": "112 / 999",
    "US": "911",
    "CA": "911",
    "AU": "000",
    "NZ": "111",
    "IN": "112",
    "ZA": "112",
    **{k.upper(): v for k, v in env.dict("LDN_EMERGENCY_NUMBERS", default={}).items()},
}
LDN_URGENT_ESCALATE_MINUTES = env.int("LDN_URGENT_ESCALATE_MINUTES", default=30)
LDN_URGENT_ESCALATE_TO_ADMINS = env.bool("LDN_URGENT_ESCALATE_TO_ADMINS", default=True)
# An urgent alert is retried until it is delivered or the report acknowledged, with a
# backoff capped at this; after this many failed attempts the admins are told (every
# channel they have) and the dashboard says "alert not delivered".
LDN_URGENT_RETRY_MAX_SECONDS = env.int("LDN_URGENT_RETRY_MAX_SECONDS", default=120)
LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS = env.int("LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS", default=3)

# --- Operations ------------------------------------------------------------------------
# Bearer token for /metrics and /healthz?deep=1; unset, both answer 404.
LDN_METRICS_TOKEN = env.str("LDN_METRICS_TOKEN", default="")
# The worker is unhealthy when no sweep tick finished for this long (ticks come every 60 s).
LDN_HEALTH_SWEEP_MAX_AGE_SECONDS = env.int("LDN_HEALTH_SWEEP_MAX_AGE_SECONDS", default=180)

# --- Retention (applied daily by the accounts.retention task; see SECURITY.md) ----------
# Access-log rows: six years by default, HIPAA's documentation rule (45 CFR 164.316(b)(2));
# set longer where the medical-record rules ask for it (e.g. 8 years in England). 0: for ever.
LDN_ACCESS_LOG_RETENTION_DAYS = env.int("LDN_ACCESS_LOG_RETENTION_DAYS", default=6 * 365 + 2)
# Finished reminder and digest deliveries (not urgent alerts, kept with their report).
LDN_DELIVERY_RETENTION_DAYS = env.int("LDN_DELIVERY_RETENTION_DAYS", default=400)
# A closed patient's clinical record (entries, plans, urgent reports): kept this long after
# the closure for clinical and legal reasons, then erased by the accounts.erase_closed task.
# 8 years (2,922 days): the adult medical-record period in England; see SECURITY.md.
LDN_CLOSED_RECORD_RETENTION_DAYS = env.int("LDN_CLOSED_RECORD_RETENTION_DAYS", default=2922)

# Uploaded bulk-invitation batches and their rows (addresses and names): 0 keeps them.
LDN_BULK_INVITATION_RETENTION_DAYS = env.int("LDN_BULK_INVITATION_RETENTION_DAYS", default=30)

# --- Email ----------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
# An empty value (as compose passes when unset) means the default too.
DEFAULT_FROM_EMAIL = (
    env.str("DEFAULT_FROM_EMAIL", default="") or "LDN Journal <journal@example.com>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Reminders and Web Push -----------------------------------------------------------
# Keys from the environment in production; development falls back to var/vapid_private.pem
# (written by `manage.py dev_keys`, which `make run` calls).
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:journal@example.com")
# Web Push endpoints the worker may connect to: the browsers' push services (FCM for Chrome
# and Edge, Mozilla autopush, Apple, Windows). "*." matches subdomains only. Anything else a
# browser offers is refused at subscription and again before each send (issue 15).
LDN_PUSH_ALLOWED_HOSTS = env.list(
    "LDN_PUSH_ALLOWED_HOSTS",
    default=[
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        "*.push.apple.com",
        "*.notify.windows.com",
    ],
)
LDN_PUSH_MAX_DEVICES = env.int("LDN_PUSH_MAX_DEVICES", default=10)
# The sweep ticks every 60 s. A claim still pending this long was lost by the queue (a killed
# worker, a broker restarted empty) and is re-sent; a delivery in `sending` this long was
# lost with its worker mid-send. Neither is a multiple of the tick, and both are under it,
# so whatever a killed worker held goes out again at the first or second tick (< 2 min).
# The stuck threshold stays well above EMAIL_TIMEOUT: a send still under way is not stuck.
LDN_REMINDER_REQUEUE_SECONDS = env.int("LDN_REMINDER_REQUEUE_SECONDS", default=55)
LDN_REMINDER_STUCK_SECONDS = env.int("LDN_REMINDER_STUCK_SECONDS", default=50)
LDN_REMINDER_RETRY_BASE_SECONDS = env.int("LDN_REMINDER_RETRY_BASE_SECONDS", default=30)
LDN_REMINDER_MAX_ATTEMPTS = env.int("LDN_REMINDER_MAX_ATTEMPTS", default=5)
# The sweep writes each batch on a second connection while it plans the next (PostgreSQL only).
LDN_REMINDER_SWEEP_OVERLAP = env.bool("LDN_REMINDER_SWEEP_OVERLAP", default=True)
# Morning dosing: minutes after the dose reminder that the last call comes (0: no last call).
LDN_MORNING_LAST_CALL_MINUTES = env.int("LDN_MORNING_LAST_CALL_MINUTES", default=120)

# --- Internationalisation -----------------------------------------------------------
# English by default; Spanish and German complete (locale/, compiled by `make` and CI).
# The language is the user's setting (User.language), else the browser's Accept-Language.
LANGUAGE_CODE = "en-gb"
# Each language named in itself, so anyone can find theirs whatever the page is in.
LANGUAGES = [("en-gb", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers ----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging: ids only, never names, emails, doses or notes ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ldn_journal.request_ids.RequestIdLogFilter"},
        # PostgreSQL's DETAIL lines quote the refused row (doses, scores, emails).
        "redact": {"()": "ldn_journal.log_redaction.RedactDatabaseDetails"},
        # A request line's query string can hold a patient's name (the clinician's search),
        # and an emailed link's path its secret (an invitation, a password reset).
        "query": {"()": "ldn_journal.log_redaction.WithholdFromRequestLines"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact", "query"],
        },
        # Replaces Django's AdminEmailHandler, which mails POST data and frame variables.
        "mail_admins": {
            "class": "ldn_journal.error_reports.IdOnlyAdminEmailHandler",
            "level": "ERROR",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request logger puts the full request (with POST data) on error records.
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
        # Configured here so Django's default handlers (mail with request data) are dropped.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # At DEBUG these print whole template contexts and SQL parameters (names, notes).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}
ADMINS = [("Ops", a) for a in env.list("ADMINS", default=[])]
