"""Small builders shared by the closure and notification tests."""

from __future__ import annotations

from datetime import date

from accounts.models import User
from bookings.models import Booking
from bookings.services import BookingRequest, request_bookings
from catalog.models import Activity, SchoolYear, Site
from conftest import enrol, paris
from families.models import Child, Family, Guardian

WEDNESDAY = date(2026, 4, 8)  # a Wednesday without school, ALSH runs


def kid(family: Family, first_name: str, school: Site | None = None) -> Child:
    """Add a child of primary-school age to `family`."""
    return Child.objects.create(
        family=family,
        first_name=first_name,
        last_name=family.name,
        birth_date=date(2017, 5, 5),
        school=school,
    )


def family_without_email(identifier: str = "78322-00009", name: str = "BERNARD") -> Family:
    """A family whose only guardian gave a phone number, no e-mail."""
    family = Family.objects.create(identifier=identifier, name=name, city="Le Mesnil-Saint-Denis")
    Guardian.objects.create(
        family=family,
        first_name="Paul",
        last_name=name,
        mobile_phone="06 12 34 56 78",
        is_payer=True,
    )
    return family


def book(
    children: list[Child], activity: Activity, school_year: SchoolYear, by: User, *days: date
) -> list[Booking]:
    """Enrol the children and book them on `days` (default: WEDNESDAY) before the deadline."""
    for child in children:
        if not child.enrolments.filter(activity=activity).exists():
            enrol(child, activity, school_year)
    results = request_bookings(
        requests=[BookingRequest(c, activity, d) for c in children for d in (days or [WEDNESDAY])],
        by=by,
        now=paris(2026, 3, 20, 9, 0),
    )
    return list(Booking.objects.filter(pk__in=[r.booking_id for r in results if r.booking_id]))
