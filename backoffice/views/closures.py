"""Back-office: Fermetures (placeholder until built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from backoffice.permissions import Capability, staff_view


@staff_view(Capability.CLOSURES)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Fermetures."""
    return render(request, "backoffice/placeholder.html", {"title": "Fermetures"})


urlpatterns = [
    path("fermetures/", index, name="closures"),
]
