"""Back-office: Effectifs cuisine (placeholder until built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from backoffice.permissions import Capability, staff_view


@staff_view(Capability.HEADCOUNT)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Effectifs cuisine."""
    return render(request, "backoffice/placeholder.html", {"title": "Effectifs cuisine"})


urlpatterns = [
    path("cuisine/", index, name="headcount"),
]
