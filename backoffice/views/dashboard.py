"""Back-office: the dashboard (placeholder until built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from backoffice.permissions import Capability, staff_view


@staff_view(Capability.DASHBOARD)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today per site and activity, pending requests, capacity use for the coming weeks."""
    return render(request, "backoffice/placeholder.html", {"title": "Tableau de bord"})


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
