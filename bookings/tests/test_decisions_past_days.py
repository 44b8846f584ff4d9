"""A day gone by never takes a child from its waiting list (the family would be billed)."""

from __future__ import annotations

from datetime import date

import pytest

from bookings.exceptions import BookingError
from bookings.models import Booking, BookingSource, BookingState, Slot
from bookings.services import (
    BookingRequest,
    approve_request,
    declare_absence,
    promote_waiting_list,
    request_bookings,
)
from conftest import assert_counters_match_bookings, enrol, paris

WEDNESDAY = date(2026, 4, 8)
S = BookingState


@pytest.fixture
def full_wednesday(wednesday_alsh, child, sibling, other_family, school_year, school, agent):
    """Léa and Hugo hold the two places; a third child waits."""
    from families.models import Child

    tom = Child.objects.create(
        family=other_family, first_name="Tom", last_name="MARTIN", birth_date=date(2016, 5, 1)
    )
    for kid in (child, sibling, tom):
        enrol(kid, wednesday_alsh, school_year)
    results = request_bookings(
        requests=[BookingRequest(k, wednesday_alsh, WEDNESDAY) for k in (child, sibling, tom)],
        by=agent,
        source=BookingSource.STAFF,
        now=paris(2026, 3, 20, 9),
    )
    assert [r.outcome for r in results][-1] == "waiting_list"
    return Booking.objects.get(child=tom, day_id=WEDNESDAY)


def test_freeing_a_place_of_a_past_day_promotes_nobody(
    full_wednesday, child, agent, absence_reasons
):
    lea = Booking.objects.get(child=child, day_id=WEDNESDAY)
    declare_absence(
        bookings=[lea],
        reason=absence_reasons["sick"],
        by=agent,
        deadline_override="certificat reçu après coup",
        now=paris(2026, 4, 10, 9),
    )
    full_wednesday.refresh_from_db()
    assert full_wednesday.state == S.WAITING_LIST
    assert_counters_match_bookings()


def test_past_waiting_list_cannot_be_served_by_hand(full_wednesday, wednesday_alsh, agent):
    Slot.objects.filter(activity=wednesday_alsh, day_id=WEDNESDAY).update(taken=1)
    with pytest.raises(BookingError, match="est passé"):
        promote_waiting_list(
            activity=wednesday_alsh, day=WEDNESDAY, by=agent, now=paris(2026, 4, 9, 9)
        )
    with pytest.raises(BookingError, match="est passé"):
        approve_request(booking=full_wednesday, by=agent, now=paris(2026, 4, 9, 9))
    full_wednesday.refresh_from_db()
    assert full_wednesday.state == S.WAITING_LIST
