"""``GET /metrics``: Prometheus's text format, for a scraper that may read it
(``metrics.may_read``: the bearer token, or an allowed address); 404 while metrics are off."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ... import metrics
from ...accounts.services import client_address


@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    if not metrics.enabled():
        raise Http404
    if not metrics.may_read(request.headers.get("Authorization"), client_address(request)):
        response = HttpResponse("unauthorized\n", content_type="text/plain", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
