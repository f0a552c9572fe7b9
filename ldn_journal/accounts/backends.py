"""The authentication backends, reading the signed-in user of every request with their
patient profile (if any) in one query compiled once per process (issue 19): every patient
page reads the profile, which cost a round trip of its own after the user's.

The same users as Django's and allauth's backends (``user_can_authenticate``: inactive
accounts are no one); only how the row is read differs. Sessions made under the parent
classes' paths stay valid while those paths stay in ``AUTHENTICATION_BACKENDS`` (after these
two, so every new sign-in is stamped with these).
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.core.exceptions import PermissionDenied

from ldn_journal.accounts.models import User
from ldn_journal.compiled_queries import CompiledQuery

_USER_WITH_PROFILE = CompiledQuery(
    lambda user_id: User._default_manager.select_related("patient").filter(pk=user_id),
    -7_000_101,
)


class _ReadsProfile:
    def get_user(self, user_id):
        found = _USER_WITH_PROFILE.instances(user_id)
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_ReadsProfile, django_backends.ModelBackend):
    pass


class AuthenticationBackend(_ReadsProfile, allauth_backends.AuthenticationBackend):
    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is None and credentials.get("password"):
            # Django's and allauth's backends, listed after this one for the sessions they
            # signed, are the same code and would refuse the same password: stop here
            # instead of checking it twice more (each check is a slow hash on purpose).
            raise PermissionDenied
        return user
