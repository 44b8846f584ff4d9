"""Back-office: enrolments, quotients familiaux and bookings on behalf of a family.

Placeholder until built; `detail_context` feeds the family page's sections.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern

from families.models import Family


def detail_context(family: Family) -> dict[str, Any]:
    """Return what the family page needs to show enrolments and quotients (constant queries)."""
    return {}


urlpatterns: list[URLPattern] = []
