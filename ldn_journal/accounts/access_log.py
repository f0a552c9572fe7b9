"""One function records every read or change of a patient's data and every security event."""

from ldn_journal.accounts.models import AccessLog


def client_ip(request):
    # Behind the production proxy REMOTE_ADDR is the proxy; gunicorn is configured with
    # forwarded_allow_ips so Django sees the client in REMOTE_ADDR. Never trust XFF here.
    return request.META.get("REMOTE_ADDR") or None


def record_access(request, action, *, patient=None, obj=None, actor=None, detail=None):
    """Write one access-log row. `detail` must hold ids and codes only, never health data."""
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return AccessLog.objects.create(
        actor=user,
        actor_role=getattr(user, "role", "") if user else "",
        patient=patient,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip=client_ip(request) if request is not None else None,
        detail=detail or {},
    )
