"""Template context shared by every page: the commune and its services' contacts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core.models import ServiceContact


def commune(request: HttpRequest) -> dict[str, Any]:
    """Return the commune's name and its contacts (read lazily, once per page)."""
    return {
        "commune_name": settings.MARELLE_COMMUNE_NAME,
        "service_contacts": ServiceContact.objects.all,
    }
