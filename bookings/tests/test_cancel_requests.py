"""Withdrawing several pending requests at once, as the portal and the counter do."""

from __future__ import annotations

from datetime import date

from bookings.models import Booking, BookingSource, BookingState
from bookings.services import BookingRequest, cancel_requests, request_bookings
from conftest import assert_counters_match_bookings, enrol, paris

S = BookingState


def test_each_day_is_withdrawn_or_explained(creche_enrolment, toddler, creche, agent, parent):
    days = [date(2026, 4, 13), date(2026, 4, 14)]
    request_bookings(
        requests=[BookingRequest(toddler, creche, d) for d in days],
        by=parent,
        source=BookingSource.FAMILY,
        now=paris(2026, 3, 20, 9),
    )
    pending = list(Booking.objects.filter(child=toddler).order_by("day_id"))
    assert [b.state for b in pending] == [S.REQUESTED, S.REQUESTED]
    Booking.objects.filter(pk=pending[1].pk).update(state=S.REFUSED)  # decided meanwhile

    results = cancel_requests(bookings=pending, by=parent, now=paris(2026, 3, 21, 9))

    assert [r.outcome for r in results] == ["cancelled", "refused"]
    assert results[0].message == "Demande annulée le lundi 13 avril 2026 pour Multi-accueil."
    assert "pas de demande en attente" in results[1].message
    assert Booking.objects.get(pk=pending[0].pk).state == S.CANCELLED
    assert Booking.objects.get(pk=pending[1].pk).state == S.REFUSED
    assert_counters_match_bookings()


def test_an_absence_request_withdrawn_keeps_the_place(
    child, wednesday_alsh, school_year, parent, absence_reasons
):
    from bookings.services import declare_absence

    enrol(child, wednesday_alsh, school_year)
    day = date(2026, 4, 15)
    request_bookings(
        requests=[BookingRequest(child, wednesday_alsh, day)],
        by=parent,
        source=BookingSource.FAMILY,
        now=paris(2026, 3, 20, 9),
    )
    booking = Booking.objects.get(child=child, day_id=day)
    wednesday_alsh.absence_validation_mode = "staff"
    wednesday_alsh.save()
    declare_absence(
        bookings=[booking], reason=absence_reasons["sick"], by=parent, now=paris(2026, 4, 14, 9)
    )
    booking.refresh_from_db()
    assert booking.state == S.ABSENCE_REQUESTED
    [result] = cancel_requests(bookings=[booking], by=parent, now=paris(2026, 4, 14, 10))
    assert "la réservation est maintenue" in result.message
    booking.refresh_from_db()
    assert (booking.state, booking.absence_reason) == (S.RESERVED, None)
    assert_counters_match_bookings()
