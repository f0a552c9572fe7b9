"""Point 3: allauth's rate limits on login and password reset, shared across processes."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from tests.accounts.conftest import sign_in
from tests.factories import PASSWORD


def test_wrong_passwords_end_in_a_rate_limited_message(client, patient_a):
    for _ in range(5):
        response = sign_in(client, patient_a.user.email, "wrong-password")
        assert response.status_code == 200
        assert "Too many" not in response.content.decode()
    response = sign_in(client, patient_a.user.email, "wrong-password")
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()


def test_the_right_password_is_refused_too_while_rate_limited(client, patient_a):
    for _ in range(6):
        sign_in(client, patient_a.user.email, "wrong-password")
    response = sign_in(client, patient_a.user.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_recorded_without_the_address(client, patient_a):
    sign_in(client, patient_a.user.email, "wrong-password")
    entry = AccessLog.objects.get(action="login_failed")
    assert entry.actor is None
    assert patient_a.user.email not in str(entry.detail)


def test_password_reset_requests_are_rate_limited(client, patient_a):
    url = reverse("account_reset_password")
    for _ in range(5):
        assert client.post(url, {"email": patient_a.user.email}).status_code == 302
    response = client.post(url, {"email": patient_a.user.email})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 5


def test_password_reset_sends_a_link_by_email(client, patient_a):
    client.post(reverse("account_reset_password"), {"email": patient_a.user.email})
    [message] = mail.outbox
    assert "/accounts/password/reset/key/" in message.body


@pytest.mark.redis
def test_with_redis_the_cache_and_so_the_rate_limits_live_in_redis(redis_url):

    assert isinstance(caches["default"], RedisCache)
    assert settings.CACHES["default"]["LOCATION"] == redis_url
    cache.set("ldn-test-probe", "shared")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import cache; "
            "print(cache.get('ldn-test-probe'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "shared"  # another process sees the same cache


@pytest.mark.redis
def test_rate_limits_hold_across_processes(redis_url, client, patient_a):
    """Four failures in this process and one in another leave one try, then the limit."""
    for _ in range(4):
        sign_in(client, patient_a.user.email, "wrong-password")
    # Another process (another gunicorn worker) records a failure for the same address.
    script = (
        "import django; django.setup()\n"
        "from allauth.account.adapter import get_adapter\n"
        "from django.test import RequestFactory\n"
        "request = RequestFactory().post('/accounts/login/')\n"
        f"get_adapter().pre_authenticate(request, email={patient_a.user.email!r})\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    response = sign_in(client, patient_a.user.email, "wrong-password")
    assert "Too many failed login attempts" in response.content.decode()


def test_without_redis_the_site_uses_the_database_cache_shared_by_processes():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])",
        ],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
            "DEBUG": "true",
        },
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
