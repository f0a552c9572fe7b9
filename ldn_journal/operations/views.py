"""The metrics endpoint and deep health: internal, behind a bearer token.

Without LDN_METRICS_TOKEN, or with a missing or wrong token, both answer 404 as any unknown
URL does: the endpoints do not reveal that they exist."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ldn_journal.operations import health, metrics


def require_token(request) -> None:
    expected = settings.LDN_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if not expected or scheme.lower() != "bearer":
        raise Http404
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Http404


@never_cache
@require_GET
def metrics_view(request):
    require_token(request)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def deep_health(request):
    """`/healthz?deep=1`: every check, 200 when all pass, 503 otherwise."""
    require_token(request)
    results = health.run_checks()
    body = {
        "status": "ok" if all(r.ok for r in results) else "error",
        **{r.name: r.detail for r in results},
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
