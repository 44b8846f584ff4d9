"""The database itself refuses what would break the invariants of design.md."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking, BookingSource, BookingState, Slot

TUESDAY = date(2026, 4, 14)


def make_booking(enrolled, day=TUESDAY, **fields):
    values = {"state": BookingState.RESERVED, "source": BookingSource.STAFF, **fields}
    return Booking.objects.create(
        child=enrolled.child, activity=enrolled.activity, enrolment=enrolled, day_id=day, **values
    )


def test_one_booking_per_child_activity_day(enrolled):
    make_booking(enrolled)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_booking(enrolled)


def test_booking_day_must_be_in_a_school_year(enrolled):
    # Foreign keys are checked at commit; check_constraints runs that check now.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_booking(enrolled, day=date(2027, 9, 7))
        connection.check_constraints(table_names=["bookings_booking"])


def test_capacity_counter_cannot_exceed_capacity(canteen, school_year):
    slot = Slot.objects.create(activity=canteen, day_id=TUESDAY, capacity=2, taken=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(taken=3)


def test_unknown_state_is_refused(enrolled):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_booking(enrolled, state="maybe")


def test_waiting_list_needs_its_time(enrolled):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_booking(enrolled, state=BookingState.WAITING_LIST)
