"""Who may do what in the back-office: capabilities per role, and each role's scope.

Three answers, tested as a matrix (backoffice/tests/test_permissions.py):
- not logged in: redirect to the login page;
- a family login, or a staff login without the page's capability: 403 for staff,
  404 for families (the back-office does not exist for them);
- a staff login with the capability but an object outside its scope (another service's
  activity, another site's list, a request of the crèche for a school agent): 404.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.models import User
from catalog.models import Activity, Site

R = User.Role


class Capability(enum.StrEnum):
    """One area of work of the back-office."""

    DASHBOARD = "dashboard"
    INBOX = "inbox"
    ATTENDANCE = "attendance"
    HEADCOUNT = "headcount"
    CLOSURES = "closures"
    FAMILIES_VIEW = "families_view"
    FAMILIES_EDIT = "families_edit"
    QUOTIENT = "quotient"


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    R.EDUCATION_AGENT: frozenset(
        {
            C.DASHBOARD,
            C.INBOX,
            C.ATTENDANCE,
            C.HEADCOUNT,
            C.CLOSURES,
            C.FAMILIES_VIEW,
            C.FAMILIES_EDIT,
            C.QUOTIENT,
        }
    ),
    R.EARLY_CHILDHOOD_AGENT: frozenset(
        {
            C.DASHBOARD,
            C.INBOX,
            C.ATTENDANCE,
            C.CLOSURES,
            C.FAMILIES_VIEW,
            C.FAMILIES_EDIT,
            C.QUOTIENT,
        }
    ),
    # An animateur sees the lists of his or her sites, nothing else.
    R.SITE_STAFF: frozenset({C.DASHBOARD, C.ATTENDANCE, C.HEADCOUNT}),
    R.FINANCE: frozenset({C.DASHBOARD, C.FAMILIES_VIEW, C.QUOTIENT}),
    R.ADMINISTRATOR: frozenset(Capability),
    R.FAMILY: frozenset(),
}


def is_staff_member(user: Any) -> bool:
    """Tell whether a user is an active, logged-in agent of the commune."""
    return bool(
        user.is_authenticated and user.is_active and getattr(user, "role", R.FAMILY) != R.FAMILY
    )


def can(user: Any, capability: Capability) -> bool:
    """Tell whether `user` may use an area of the back-office."""
    return is_staff_member(user) and capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def capabilities_of(user: Any) -> frozenset[Capability]:
    """Return the areas `user` may use (empty for families and anonymous users)."""
    if not is_staff_member(user):
        return frozenset()
    return ROLE_CAPABILITIES.get(user.role, frozenset())


# ---------------------------------------------------------------------------------------------
# Scope: which activities and sites a role works on


def activity_scope(user: User) -> Q:
    """Return the filter of the activities `user` works on (on Activity)."""
    if user.role == R.ADMINISTRATOR:
        return Q()
    if user.role == R.EDUCATION_AGENT:
        return ~Q(category=Activity.Category.CRECHE)
    if user.role == R.EARLY_CHILDHOOD_AGENT:
        return Q(category=Activity.Category.CRECHE)
    if user.role == R.SITE_STAFF:
        return Q(site__in=user.sites.all())
    return Q(pk__in=[])


def activities_for(user: User) -> QuerySet[Activity]:
    """Return the activities `user` works on, site first."""
    return (
        Activity.objects.filter(activity_scope(user))
        .select_related("site")
        .order_by("site__name", "category", "name")
    )


def sites_for(user: User) -> QuerySet[Site]:
    """Return the sites where `user` works on at least one activity."""
    return Site.objects.filter(
        pk__in=Activity.objects.filter(activity_scope(user)).values("site")
    ).order_by("name")


def activity_or_404(user: User, activity_id: int) -> Activity:
    """Return an activity of `user`'s scope; any other is a 404."""
    return get_object_or_404(activities_for(user), pk=activity_id)


# ---------------------------------------------------------------------------------------------
# The view decorator

V = TypeVar("V", bound=Callable[..., HttpResponse])


def staff_view(capability: Capability) -> Callable[[V], V]:
    """Guard a back-office view: login, then staff role, then the capability.

    The capability is kept on the view (`view.capability`) so the permission matrix test
    checks every back-office URL against ROLE_CAPABILITIES.
    """

    def decorator(view: V) -> V:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_member(user):
                raise Http404
            if not can(user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.capability = capability  # type: ignore[attr-defined]
        return cast(V, guarded)

    return decorator


def agent(request: HttpRequest) -> User:
    """Return the logged-in agent (views are guarded by `staff_view`)."""
    return cast(User, request.user)
