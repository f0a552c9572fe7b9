"""The WSGI app that tests/security/test_client_address.py serves with a real gunicorn: the
production application with the suite's fast password hasher (the factories store MD5
hashes, and PBKDF2 would make each failed sign-in cost seconds on a busy CI machine)."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
application = get_wsgi_application()
