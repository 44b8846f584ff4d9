"""Who may see what on the portal: everything is scoped to the logged-in guardian's family."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from families.models import Child, Family, Guardian


def guardian_of(request: HttpRequest) -> Guardian:
    """Return the logged-in guardian, or 404 for anyone else (staff use the back-office)."""
    user = request.user
    guardian = getattr(user, "guardian", None) if user.is_authenticated else None
    if guardian is None:
        raise Http404
    return guardian


def family_of(request: HttpRequest) -> Family:
    """Return the logged-in guardian's family."""
    return guardian_of(request).family


def child_of_family(request: HttpRequest, child_id: int) -> Child:
    """Return one of the family's children; another family's child is a 404."""
    return get_object_or_404(
        Child.objects.select_related("family", "school"), pk=child_id, family=family_of(request)
    )
