"""Weekly patterns, closures, presences and walk-ins."""

from __future__ import annotations

from datetime import date

import pytest

from bookings.exceptions import BookingError, CapacityFull
from bookings.models import Booking, BookingSource, BookingState, Presence, WeeklyPattern
from bookings.services import (
    BookingRequest,
    apply_weekly_pattern,
    close_days,
    record_presence,
    record_walk_in,
    request_bookings,
)
from catalog.models import CalendarDay, DayKind
from conftest import assert_counters_match_bookings, booking_of, enrol, paris
from core.models import AuditEvent


def test_weekly_pattern_books_running_days_to_year_end(enrolled, parent):
    pattern, results = apply_weekly_pattern(
        enrolment=enrolled,
        weekdays=[0, 3],
        starts_on=date(2026, 5, 1),
        by=parent,
        now=paris(2026, 4, 20),
    )
    assert pattern.ends_on == date(2026, 8, 31)
    days = [r.day for r in results]
    expected = list(
        CalendarDay.objects.filter(date__gte=date(2026, 5, 1), kind=DayKind.SCHOOL_DAY)
        .filter(date__week_day__in=[2, 5])  # Django: 2 = Monday, 5 = Thursday
        .values_list("date", flat=True)
    )
    assert days == expected
    assert date(2026, 5, 14) not in days  # Ascension
    assert {r.outcome for r in results} == {"reserved"}
    assert set(Booking.objects.values_list("source", flat=True)) == {BookingSource.PATTERN}
    assert AuditEvent.objects.filter(action="pattern.applied").count() == 1


def test_weekly_pattern_reports_late_days(enrolled, parent):
    _pattern, results = apply_weekly_pattern(
        enrolment=enrolled,
        weekdays=[0, 1],
        starts_on=date(2026, 4, 13),
        ends_on=date(2026, 4, 17),
        by=parent,
        now=paris(2026, 4, 9, 13, 0),
    )
    assert [(r.day, r.outcome) for r in results] == [
        (date(2026, 4, 13), "refused"),
        (date(2026, 4, 14), "refused"),
    ]
    assert "délai est dépassé" in results[0].message


def test_weekly_pattern_rejects_empty_period(enrolled, parent):
    with pytest.raises(BookingError, match="vide ou déjà passée"):
        apply_weekly_pattern(
            enrolment=enrolled,
            weekdays=[0],
            starts_on=date(2026, 9, 5),
            by=parent,
            now=paris(2026, 4, 1),
        )
    with pytest.raises(BookingError, match="au moins un jour"):
        apply_weekly_pattern(
            enrolment=enrolled,
            weekdays=[],
            starts_on=date(2026, 5, 1),
            by=parent,
            now=paris(2026, 4, 1),
        )
    assert not WeeklyPattern.objects.exists()


def test_closure_cancels_bookings_and_lists_families(
    child, canteen, enrolled, parent, agent, other_family, school, school_year
):
    from families.models import Child

    other_child = Child.objects.create(
        family=other_family,
        first_name="Tom",
        last_name="MARTIN",
        birth_date=date(2017, 5, 5),
        school=school,
    )
    enrol(other_child, canteen, school_year)
    days = [date(2026, 5, 4), date(2026, 5, 5)]
    request_bookings(
        requests=[BookingRequest(c, canteen, d) for c in (child, other_child) for d in days],
        by=agent,
        now=paris(2026, 4, 1),
    )
    result = close_days(
        site=school,
        starts_on=days[0],
        ends_on=days[0],
        reason="strike",
        note="Grève des agents de restauration",
        by=agent,
    )
    assert len(result.cancelled_booking_ids) == 2
    assert [f.identifier for f in result.families] == ["78322-00001", "78322-00002"]
    cancelled = Booking.objects.get(child=child, day_id=days[0])
    assert cancelled.state == BookingState.CANCELLED
    assert cancelled.decision_note == "Fermeture (Grève) : Grève des agents de restauration"
    assert Booking.objects.get(child=child, day_id=days[1]).state == BookingState.RESERVED
    assert_counters_match_bookings()
    [again] = request_bookings(
        requests=[BookingRequest(child, canteen, days[0])], by=parent, now=paris(2026, 4, 1)
    )
    assert again.outcome == "refused"


def test_closure_needs_one_target_and_ordered_dates(canteen, school, agent):
    with pytest.raises(BookingError, match="soit une activité, soit un site"):
        close_days(
            site=school,
            activity=canteen,
            starts_on=date(2026, 5, 4),
            ends_on=date(2026, 5, 4),
            reason="strike",
            by=agent,
        )
    with pytest.raises(BookingError, match="avant son début"):
        close_days(
            site=school,
            starts_on=date(2026, 5, 5),
            ends_on=date(2026, 5, 4),
            reason="strike",
            by=agent,
        )


def test_presence_is_idempotent_and_audited(child, canteen, enrolled, parent, animateur):
    [result] = request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 5, 4))],
        by=parent,
        now=paris(2026, 4, 1),
    )
    booking = booking_of(result)
    for _ in range(3):
        record_presence(
            booking=booking, presence=Presence.PRESENT, by=animateur, now=paris(2026, 5, 4, 12)
        )
    assert Booking.objects.get(pk=booking.pk).presence == Presence.PRESENT
    assert AuditEvent.objects.filter(action="booking.presence").count() == 1


def test_walk_in_is_recorded_present_with_source(child, canteen, enrolled, animateur):
    booking = record_walk_in(
        child=child, activity=canteen, day=date(2026, 5, 4), by=animateur, now=paris(2026, 5, 4, 12)
    )
    assert (booking.state, booking.source, booking.presence) == (
        BookingState.RESERVED,
        BookingSource.WALK_IN,
        Presence.PRESENT,
    )
    assert_counters_match_bookings()


def test_walk_in_when_full_says_so(child, canteen, enrolled, animateur):
    canteen.capacity = 0
    canteen.save()
    with pytest.raises(CapacityFull):
        record_walk_in(
            child=child,
            activity=canteen,
            day=date(2026, 5, 4),
            by=animateur,
            now=paris(2026, 5, 4, 12),
        )
    assert not Booking.objects.exists()


def test_walk_in_on_a_closed_day_is_refused(child, canteen, enrolled, animateur, school):
    close_days(
        site=school,
        starts_on=date(2026, 5, 4),
        ends_on=date(2026, 5, 4),
        reason="strike",
        by=animateur,
    )
    with pytest.raises(BookingError, match="pointage impossible"):
        record_walk_in(
            child=child,
            activity=canteen,
            day=date(2026, 5, 4),
            by=animateur,
            now=paris(2026, 5, 4, 12),
        )
    with pytest.raises(BookingError, match="pointage impossible"):
        record_walk_in(
            child=child,
            activity=canteen,
            day=date(2026, 5, 6),
            by=animateur,
            now=paris(2026, 5, 6, 12),
        )
    assert not Booking.objects.exists()
