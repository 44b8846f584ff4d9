"""Back-office: Demandes à traiter (placeholder until built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from backoffice.permissions import Capability, staff_view


@staff_view(Capability.INBOX)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Demandes à traiter."""
    return render(request, "backoffice/placeholder.html", {"title": "Demandes à traiter"})


urlpatterns = [
    path("demandes/", index, name="inbox"),
]
