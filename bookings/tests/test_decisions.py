"""Staff decisions, family cancellations and waiting-list promotion."""

from __future__ import annotations

from datetime import date

import pytest

from bookings.exceptions import BookingError, CapacityFull
from bookings.models import BookingState
from bookings.services import (
    BookingRequest,
    approve_request,
    cancel_request,
    promote_waiting_list,
    refuse_request,
    request_bookings,
    waiting_rank,
)
from conftest import assert_counters_match_bookings, booking_of, enrol, paris
from core.models import AuditEvent
from families.models import Child

WEDNESDAY = date(2026, 4, 15)
NOW = paris(2026, 4, 1)


@pytest.fixture
def kids(family, school, wednesday_alsh, school_year):
    kids = [
        Child.objects.create(
            family=family,
            first_name=f"Enfant{i}",
            last_name="DUPONT",
            birth_date=date(2017, 1, 1 + i),
            school=school,
        )
        for i in range(4)
    ]
    for kid in kids:
        enrol(kid, wednesday_alsh, school_year)
    return kids


def book_all(kids, activity, parent):
    return request_bookings(
        requests=[BookingRequest(k, activity, WEDNESDAY) for k in kids], by=parent, now=NOW
    )


def test_waiting_list_is_promoted_oldest_first_when_a_place_frees(
    kids, wednesday_alsh, parent, absence_reasons
):
    results = book_all(kids, wednesday_alsh, parent)  # capacity 2
    assert [r.outcome for r in results] == ["reserved", "reserved", "waiting_list", "waiting_list"]
    assert [r.rank for r in results[2:]] == [1, 2]
    second_waiting = booking_of(results[3])
    assert waiting_rank(second_waiting) == 2
    from bookings.services import declare_absence

    reserved = booking_of(results[0])
    declare_absence(bookings=[reserved], reason=absence_reasons["personal"], by=parent, now=NOW)
    promoted = booking_of(results[2])
    assert promoted.state == BookingState.RESERVED
    assert AuditEvent.objects.filter(action="booking.promoted", object_id=str(promoted.pk)).exists()
    assert booking_of(results[3]).state == BookingState.WAITING_LIST
    assert waiting_rank(booking_of(results[3])) == 1
    assert_counters_match_bookings()


def test_raising_capacity_then_manual_promotion(kids, wednesday_alsh, parent, agent):
    book_all(kids, wednesday_alsh, parent)
    wednesday_alsh.capacity = 3
    wednesday_alsh.save()
    promoted = promote_waiting_list(activity=wednesday_alsh, day=WEDNESDAY, by=agent, now=NOW)
    assert [b.child for b in promoted] == [kids[2]]
    assert_counters_match_bookings()


def test_approve_request_takes_a_place(toddler, creche, creche_enrolment, parent, agent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    booking = approve_request(booking=booking_of(result), by=agent, now=NOW)
    assert booking.state == BookingState.RESERVED
    assert booking.decided_by == agent
    assert_counters_match_bookings()


def test_approve_when_full_is_refused_and_changes_nothing(
    toddler, creche, creche_enrolment, parent, agent
):
    creche.capacity = 0
    creche.save()
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    booking = booking_of(result)
    with pytest.raises(CapacityFull, match="Plus de place le mercredi 15 avril 2026"):
        approve_request(booking=booking, by=agent, now=NOW)
    booking.refresh_from_db()
    assert booking.state == BookingState.REQUESTED


def test_refusal_needs_a_reason(toddler, creche, creche_enrolment, parent, agent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    booking = booking_of(result)
    with pytest.raises(BookingError, match="motif du refus"):
        refuse_request(booking=booking, by=agent, reason="  ")
    refused = refuse_request(booking=booking, by=agent, reason="Effectif complet ce jour-là")
    assert refused.state == BookingState.REFUSED
    assert refused.decision_note == "Effectif complet ce jour-là"


def test_processing_twice_gives_clear_message(toddler, creche, creche_enrolment, parent, agent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    booking = booking_of(result)
    approve_request(booking=booking, by=agent, now=NOW)
    events = AuditEvent.objects.count()
    with pytest.raises(BookingError, match="déjà été traitée : son état est « Réservé »"):
        refuse_request(booking=booking, by=agent, reason="trop tard")
    assert AuditEvent.objects.count() == events


def test_family_cancels_pending_request(toddler, creche, creche_enrolment, parent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    booking = cancel_request(booking=booking_of(result), by=parent)
    assert booking.state == BookingState.CANCELLED
    with pytest.raises(BookingError, match="pas de demande en attente"):
        cancel_request(booking=booking, by=parent)


def test_refused_day_can_be_requested_again(toddler, creche, creche_enrolment, parent, agent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    refuse_request(booking=booking_of(result), by=agent, reason="Complet")
    [again] = request_bookings(
        requests=[BookingRequest(toddler, creche, WEDNESDAY)], by=parent, now=NOW
    )
    assert again.outcome == "requested"
    assert again.booking_id == result.booking_id
