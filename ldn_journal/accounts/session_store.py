"""Django's database sessions, with the one read every signed-in request makes compiled to
SQL once per process (issue 19): the same row, table and expiry rule as
``django.contrib.sessions.backends.db``, so sessions already stored stay valid and
signing out everywhere (allauth's user sessions) deletes the same rows."""

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from ldn_journal.compiled_queries import CompiledQuery

_LIVE_SESSION = CompiledQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
    "placeholder-session-key",
    datetime(2000, 1, 1, tzinfo=UTC),
)


# A session's own default age, where it has one (a staff session's: the 12-hour limit, see
# middleware.cap_staff_expiry): what its row keeps when it has no expiry of its own or ends
# with the browser. Django's SESSION_COOKIE_AGE (30 days, for patients) otherwise.
AGE_KEY = "ldn_session_age"


class SessionStore(db.SessionStore):
    def get_session_cookie_age(self):
        return self.get(AGE_KEY) or super().get_session_cookie_age()

    def _get_session_from_db(self):
        # Django's: the unexpired row with this key, or none (and then no key). Its model
        # is Session: a subclass with a model of its own reads through Django's query.
        if self.model is not Session:
            return super()._get_session_from_db()
        rows = _LIVE_SESSION.instances(self.session_key, timezone.now())
        if rows:
            return rows[0]
        self._session_key = None
        return None
