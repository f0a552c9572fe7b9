"""The session engine: Django's database sessions, read by a query compiled once per process."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.utils import timezone

from ldn_journal.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_this_store():
    assert settings.SESSION_ENGINE == "ldn_journal.accounts.session_store"


def test_a_session_saved_by_django_s_store_is_read_with_its_data():
    # Sessions stored before this engine (by Django's own) stay valid.
    stored = DjangoStore()
    stored["_auth_user_id"] = "42"
    stored.set_expiry(3600)
    stored.create()
    read = SessionStore(stored.session_key)
    assert read["_auth_user_id"] == "42"
    assert read.session_key == stored.session_key


def test_an_expired_session_reads_as_empty_and_loses_its_key():
    stored = SessionStore()
    stored["_auth_user_id"] = "42"
    stored.set_expiry(60)
    stored.create()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        read = SessionStore(stored.session_key)
        assert read.load() == {}
        assert read.session_key is None
    with time_machine.travel(timezone.now() + timedelta(seconds=59)):
        assert SessionStore(stored.session_key)["_auth_user_id"] == "42"


def test_an_unknown_key_reads_as_empty():
    read = SessionStore("x" * 32)
    assert read.load() == {}
    assert read.session_key is None
