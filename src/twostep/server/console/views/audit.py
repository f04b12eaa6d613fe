"""The audit log: filter by user, event and time; export what is shown as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ...audit.models import Event
from ...audit.services import ConsoleEvents, Events, record
from ...sync.events import SyncEvents
from ..access import admin_required
from ..forms import AuditFilterForm
from .common import acting, page

PER_PAGE: Final = 100
FILTERS: Final = ("user", "event", "since", "until")
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def known_events() -> list[str]:
    names = {v for k, v in vars(Events).items() if k.isupper() and isinstance(v, str)}
    names |= {v for k, v in vars(ConsoleEvents).items() if k.isupper() and isinstance(v, str)}
    names |= {v for k, v in vars(SyncEvents).items() if k.isupper() and isinstance(v, str)}
    return sorted(names)


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[Event]]:
    form = AuditFilterForm(request.GET or None, events=known_events())
    qs = Event.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["user"]:
            name = data["user"].strip()
            qs = qs.filter(Q(subject_label__iexact=name) | Q(actor_label__iexact=name))
        if data["event"]:
            qs = qs.filter(event=data["event"])
        if data["since"]:
            qs = qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=UTC))
        if data["until"]:
            end = datetime.combine(data["until"], time.min, tzinfo=UTC) + timedelta(days=1)
            qs = qs.filter(at__lt=end)
    return form, qs.order_by("-at", "-id")


def _details(details: Any) -> str:
    if not details:
        return ""
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(details.items()))


@admin_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    events = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(e, _details(e.details)) for e in events]
    params = request.GET.copy()
    params.pop("page", None)
    return page(
        request,
        "audit.html",
        {
            "section": "audit",
            "form": form,
            "page": events,
            "rows": rows,
            "query": params.urlencode(),
        },
    )


def _cell(value: Any) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(qs: QuerySet[Event]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["time_utc", "event", "actor", "subject", "address", "details"])
    for event in qs.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.astimezone(UTC).isoformat(timespec="seconds"),
                _cell(event.event),
                _cell(event.actor_label),
                _cell(event.subject_label),
                _cell(event.address),
                _cell(json.dumps(event.details, ensure_ascii=False, sort_keys=True)),
            ]
        )


@admin_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _, qs = _filtered(request)
    act = acting(request)
    record(
        ConsoleEvents.AUDIT_EXPORTED,
        clock=act.clock,
        actor=act.actor,
        address=act.address,
        filters={k: v for k, v in request.GET.items() if k in FILTERS and v},
    )
    stamp = act.clock().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_csv_rows(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="twostep-audit-{stamp}.csv"'
    return response
