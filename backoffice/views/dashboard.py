"""Back-office: the dashboard — today per site and activity, pending requests, capacity."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backoffice.permissions import Capability, agent, capabilities_of, staff_view
from bookings.models import BookingState as S
from bookings.queries.dashboard import dashboard as build_dashboard
from bookings.rules import format_day


def _url(name: str, *args: Any, query: str = "") -> str:
    url = reverse(f"backoffice:{name}", args=args)
    return f"{url}?{query}" if query else url


@staff_view(Capability.DASHBOARD)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today per site and activity, pending requests, capacity use for the coming weeks."""
    user = agent(request)
    today = timezone.localdate()
    board = build_dashboard(user, today)
    allowed = capabilities_of(user)
    sites = [
        (
            group.site,
            [
                (line, _url("attendance_sheet", line.activity.pk, today))
                for line in group.activities
            ],
        )
        for group in board.sites
    ]
    pending = []
    if Capability.INBOX in allowed:
        # The inbox's own filters, so that its list shows the same count.
        upcoming = f"&day_from={today.isoformat()}"
        for state, label, count, extra in (
            (S.REQUESTED, _("Demandes de réservation"), board.pending.requested, ""),
            (S.ABSENCE_REQUESTED, _("Demandes d'absence"), board.pending.absence_requested, ""),
            (
                S.WAITING_LIST,
                _("En liste d'attente (jours à venir)"),
                board.pending.waiting_list,
                upcoming,
            ),
        ):
            pending.append((label, count, _url("inbox", query=f"kind={state}{extra}")))
    context: dict[str, Any] = {
        "board": board,
        "today_label": format_day(today),
        "sites": sites,
        "pending": pending,
        "closures_url": _url("closures") if Capability.CLOSURES in allowed else "",
        "families_url": _url("families") if Capability.FAMILIES_VIEW in allowed else "",
        "headcount_url": _url("headcount") if Capability.HEADCOUNT in allowed else "",
    }
    return render(request, "backoffice/dashboard.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
