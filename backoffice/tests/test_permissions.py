"""The permission matrix: every back-office URL, every role, the expected answer.

The URLs are read from backoffice.urls, so a new page is checked as soon as it exists; its
capability comes from its `staff_view` decorator and the allowed roles from
ROLE_CAPABILITIES. URL parameters take sample objects of each role's own scope; a second
sweep passes objects of another scope and expects 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import User
from backoffice import urls as backoffice_urls
from backoffice.permissions import ROLE_CAPABILITIES, Capability
from backoffice.tests.conftest import client_for
from bookings.models import Booking, BookingSource, BookingState
from catalog.models import Activity, Closure
from conftest import enrol
from families.models import FamilyQuotient

DAY = date(2026, 4, 2)  # a Thursday of the conftest school year
ROLES = [role for role in User.Role if role != User.Role.FAMILY]


def patterns() -> list[URLPattern]:
    return [p for p in backoffice_urls.urlpatterns if isinstance(p, URLPattern)]


def capability_of(pattern: URLPattern) -> Capability:
    capability = getattr(pattern.callback, "capability", None)
    assert capability is not None, f"{pattern.name} is not guarded by staff_view"
    return Capability(capability)


@pytest.fixture
def world(
    family,
    guardian,
    child,
    toddler,
    other_family,
    canteen,
    creche,
    school_year,
    school,
    settings,
    tmp_path,
) -> dict[str, Any]:
    """Sample objects: a school scope (canteen) and a crèche scope."""
    objects: dict[str, Any] = {}
    settings.MEDIA_ROOT = tmp_path  # the QF attestation and absence proofs are stored files
    for name, kid, activity in (("school", child, canteen), ("creche", toddler, creche)):
        enrolment = enrol(kid, activity, school_year)
        booking = Booking.objects.create(
            child=kid,
            activity=activity,
            enrolment=enrolment,
            day_id=DAY,
            state=BookingState.REQUESTED,
            source=BookingSource.FAMILY,
            absence_proof=ContentFile(b"%PDF-1.4 sample", name="certificat.pdf"),
        )
        closure = Closure.objects.create(
            activity=activity, starts_on=DAY, ends_on=DAY, reason=Closure.Reason.OTHER
        )
        objects[name] = {
            "activity_id": activity.pk,
            "site_id": activity.site_id,
            "booking_id": booking.pk,
            "closure_id": closure.pk,
            "enrolment_id": enrolment.pk,
        }
    quotient = FamilyQuotient.objects.create(
        family=family,
        value=650,
        source=FamilyQuotient.Source.CAF,
        valid_from=date(2025, 9, 1),
        proof=ContentFile(b"%PDF-1.4 sample", name="attestation.pdf"),
    )
    common = {
        "family_id": family.pk,
        "quotient_id": quotient.pk,
        "child_id": child.pk,
        "guardian_id": guardian.pk,
        "day": DAY,
        "year": 2026,
        "month": 4,
    }
    for scope in objects.values():
        scope.update(common)
    return objects


def scope_of(role: str) -> str:
    return "creche" if role == User.Role.EARLY_CHILDHOOD_AGENT else "school"


def url_of(pattern: URLPattern, samples: dict[str, Any]) -> str:
    names = pattern.pattern.regex.groupindex
    missing = set(names) - set(samples)
    assert not missing, f"{pattern.name}: no sample value for {missing} (add one to world)"
    return reverse(f"backoffice:{pattern.name}", kwargs={n: samples[n] for n in names})


def user_of(role: str, school) -> User:
    user = User.objects.create_user(username=f"u-{role}", password="x" * 12, role=role)
    if role == User.Role.SITE_STAFF:
        user.sites.add(school)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(role, world, school) -> None:
    client = client_for(user_of(role, school))
    allowed = ROLE_CAPABILITIES[role]
    for pattern in patterns():
        url = url_of(pattern, world[scope_of(role)])
        status = client.get(url).status_code
        if capability_of(pattern) in allowed:
            assert status not in (403, 404), f"{role} {url}: {status}"
        else:
            assert status == 403, f"{role} {url}: {status}"
        if capability_of(pattern) not in allowed:
            assert client.post(url).status_code == 403, f"{role} POST {url}"


def test_families_and_anonymous_never_see_the_back_office(world, parent) -> None:
    family_client = client_for(parent)
    anonymous = Client()
    for pattern in patterns():
        url = url_of(pattern, world["school"])
        assert family_client.get(url).status_code == 404, url
        assert family_client.post(url).status_code == 404, url
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/connexion/"), url


OUT_OF_SCOPE = {"activity_id", "site_id", "booking_id", "closure_id", "enrolment_id"}


@pytest.mark.parametrize(
    "role", [User.Role.EDUCATION_AGENT, User.Role.EARLY_CHILDHOOD_AGENT, User.Role.SITE_STAFF]
)
def test_objects_of_another_scope_are_not_found(role, world, school) -> None:
    """A school agent cannot open a crèche list, nor the crèche agent a school one."""
    client = client_for(user_of(role, school))
    other = world["school" if scope_of(role) == "creche" else "creche"]
    checked = 0
    for pattern in patterns():
        names = set(pattern.pattern.regex.groupindex)
        if not names & OUT_OF_SCOPE or capability_of(pattern) not in ROLE_CAPABILITIES[role]:
            continue
        url = url_of(pattern, other)
        assert client.get(url).status_code in (404, 405), f"{role} {url}"
        # A read-only page answers 405 to POST before looking at the object: no leak either.
        assert client.post(url).status_code in (404, 405), f"{role} POST {url}"
        checked += 1
    if role != User.Role.SITE_STAFF:
        assert checked, "no scoped URL was checked"


def test_site_staff_sees_only_the_sites_given_to_them(world, school, other_site) -> None:
    animateur = user_of(User.Role.SITE_STAFF, school)
    elsewhere = Activity.objects.create(
        name="Cantine Racine", category=Activity.Category.CANTEEN, site=other_site
    )
    client = client_for(animateur)
    for pattern in patterns():
        names = set(pattern.pattern.regex.groupindex)
        if (
            "activity_id" not in names
            or capability_of(pattern) not in ROLE_CAPABILITIES[User.Role.SITE_STAFF]
        ):
            continue
        url = url_of(pattern, {**world["school"], "activity_id": elsewhere.pk})
        assert client.get(url).status_code in (404, 405), url
