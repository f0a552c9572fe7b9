"""Area gating: each role has its own URL prefix; any other role gets 404 there."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
