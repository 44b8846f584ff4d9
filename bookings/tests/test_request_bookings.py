"""request_bookings applies the rules of design.md in order and reports per day."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingSource, BookingState, Slot
from bookings.services import BookingRequest, Outcome, request_bookings
from catalog.models import Activity, BookingWindow, Closure
from conftest import booking_of, enrol, paris
from core.models import AuditEvent

TUESDAY = date(2026, 4, 14)
WEDNESDAY = date(2026, 4, 15)


def ask(child, activity, *days, by, now, **kwargs):
    return request_bookings(
        requests=[BookingRequest(child=child, activity=activity, day=d) for d in days],
        by=by,
        now=now,
        **kwargs,
    )


def test_reserves_before_deadline_and_audits(child, canteen, enrolled, parent):
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 9, 11, 59))
    assert result.outcome == Outcome.RESERVED
    assert result.message == "Réservé le mardi 14 avril 2026 pour Restauration scolaire."
    booking = booking_of(result)
    assert booking.state == BookingState.RESERVED
    assert booking.source == BookingSource.FAMILY
    assert Slot.objects.get(activity=canteen, day_id=TUESDAY).taken == 1
    event = AuditEvent.objects.get(object_type="bookings.booking", object_id=str(booking.pk))
    assert event.actor == parent
    assert event.family_id == child.family_id
    assert event.before is None
    assert event.after["state"] == "reserved"


def test_deadline_passed_is_refused_with_precise_message_and_changes_nothing(
    child, canteen, enrolled, parent
):
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 9, 12, 0))
    assert result.outcome == Outcome.REFUSED
    assert result.message == (
        "Réservation impossible pour Léa le mardi 14 avril 2026 pour Restauration scolaire : "
        "le délai est dépassé depuis le jeudi 9 avril à 12h00."
    )
    assert not Booking.objects.exists()
    assert not AuditEvent.objects.filter(object_type="bookings.booking").exists()


def test_not_enrolled_is_refused_first(child, canteen, school_year, parent):
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert result.outcome == Outcome.REFUSED
    assert "n'est pas inscrit" in result.message


def test_day_outside_school_year_is_refused(child, canteen, enrolled, parent):
    [result] = ask(child, canteen, date(2026, 9, 1), by=parent, now=paris(2026, 4, 1))
    assert "en dehors de l'année scolaire" in result.message


def test_activity_not_running_that_day(child, canteen, enrolled, parent):
    [result] = ask(child, canteen, WEDNESDAY, by=parent, now=paris(2026, 4, 1))
    assert result.outcome == Outcome.REFUSED
    assert "n'a pas lieu ce jour-là" in result.message


def test_public_holiday_is_named(child, canteen, enrolled, parent):
    [result] = ask(child, canteen, date(2026, 4, 6), by=parent, now=paris(2026, 3, 1))
    assert "jour férié (Lundi de Pâques)" in result.message


def test_school_holidays_do_not_run_the_canteen(child, canteen, enrolled, parent):
    [result] = ask(child, canteen, date(2026, 4, 21), by=parent, now=paris(2026, 3, 1))
    assert "n'a pas lieu" in result.message


def test_closure_is_refused(child, canteen, enrolled, parent, school):
    Closure.objects.create(
        site=school, starts_on=TUESDAY, ends_on=TUESDAY, reason="strike", note="Grève"
    )
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert result.message.endswith("fermeture (Grève).")


def test_eligibility_by_class_level(child, canteen, enrolled, parent):
    canteen.class_levels = ["CP", "CE1"]
    canteen.save()
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert "réservée aux niveaux CP, CE1" in result.message


def test_eligibility_by_age(toddler, creche, creche_enrolment, parent):
    creche.min_age_months = 24
    creche.save()
    [result] = ask(toddler, creche, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert "l'âge requis (24 mois)" in result.message


def test_staff_validation_makes_a_request(toddler, creche, creche_enrolment, parent):
    [result] = ask(toddler, creche, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert result.outcome == Outcome.REQUESTED
    booking = booking_of(result)
    assert booking.state == BookingState.REQUESTED
    assert (booking.planned_arrival, booking.planned_departure) == (time(8, 30), time(16, 30))
    assert Slot.objects.get(activity=creche, day_id=TUESDAY).taken == 0


def test_late_policy_request_sends_late_request(child, wednesday_alsh, school_year, parent):
    enrol(child, wednesday_alsh, school_year)
    [result] = ask(child, wednesday_alsh, WEDNESDAY, by=parent, now=paris(2026, 4, 10))
    assert result.outcome == Outcome.REQUESTED
    assert result.is_late
    assert "majoration" in result.message


def test_late_policy_surcharge_reserves_with_flag(child, canteen, enrolled, parent):
    canteen.late_policy = Activity.LatePolicy.SURCHARGE
    canteen.save()
    [result] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 13))
    assert result.outcome == Outcome.RESERVED
    assert booking_of(result).is_late


def test_staff_override_skips_the_deadline(child, canteen, enrolled, agent):
    [result] = ask(
        child,
        canteen,
        TUESDAY,
        by=agent,
        now=paris(2026, 4, 13),
        source=BookingSource.STAFF,
        deadline_override="Famille au guichet, enfant malade hier",
    )
    assert result.outcome == Outcome.RESERVED
    assert AuditEvent.objects.get(object_type="bookings.booking").note.startswith("Famille")


def test_family_cannot_override_deadline(child, canteen, enrolled, parent):
    from bookings.exceptions import BookingError

    with pytest.raises(BookingError, match="Seul un agent"):
        ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 13), deadline_override="x")


def test_full_day_goes_to_waiting_list_with_rank(
    child, sibling, wednesday_alsh, school_year, parent, other_family
):
    wednesday_alsh.capacity = 1
    wednesday_alsh.save()
    for kid in (child, sibling):
        enrol(kid, wednesday_alsh, school_year)
    results = request_bookings(
        requests=[
            BookingRequest(child, wednesday_alsh, WEDNESDAY),
            BookingRequest(sibling, wednesday_alsh, WEDNESDAY),
        ],
        by=parent,
        now=paris(2026, 4, 1),
    )
    assert [r.outcome for r in results] == [Outcome.RESERVED, Outcome.WAITING_LIST]
    assert results[1].rank == 1
    assert "liste d'attente, rang 1" in results[1].message
    assert Slot.objects.get(activity=wednesday_alsh, day_id=WEDNESDAY).taken == 1


def test_second_request_is_unchanged(child, canteen, enrolled, parent):
    ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 1))
    [again] = ask(child, canteen, TUESDAY, by=parent, now=paris(2026, 4, 1))
    assert again.outcome == Outcome.UNCHANGED
    assert Booking.objects.count() == 1
    assert Slot.objects.get(activity=canteen, day_id=TUESDAY).taken == 1


def test_multi_day_partial_applies_only_passing_days(child, canteen, enrolled, parent):
    results = ask(
        child, canteen, date(2026, 4, 13), TUESDAY, by=parent, now=paris(2026, 4, 9, 9, 0)
    )
    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.RESERVED]
    assert list(Booking.objects.values_list("day", flat=True)) == [TUESDAY]


def test_all_or_nothing_changes_nothing_when_one_day_fails(child, canteen, enrolled, parent):
    results = ask(
        child,
        canteen,
        date(2026, 4, 13),
        TUESDAY,
        by=parent,
        now=paris(2026, 4, 9, 9, 0),
        all_or_nothing=True,
    )
    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.NOT_APPLIED]
    assert not Booking.objects.exists()


def test_booking_window_not_open_for_non_residents(child, wednesday_alsh, school_year, parent):
    family = child.family
    family.residence_insee = "78000"
    family.save()
    enrol(child, wednesday_alsh, school_year)
    BookingWindow.objects.create(
        activity=wednesday_alsh,
        first_day=WEDNESDAY,
        last_day=WEDNESDAY,
        opens_at=paris(2026, 3, 1, 20),
        closes_at=paris(2026, 4, 5),
        non_resident_opens_at=paris(2026, 3, 8, 20),
    )
    [result] = ask(child, wednesday_alsh, WEDNESDAY, by=parent, now=paris(2026, 3, 2))
    assert result.outcome == Outcome.REFUSED
    assert "ouvrent le dimanche 8 mars à 20h00" in result.message
    [result] = ask(child, wednesday_alsh, WEDNESDAY, by=parent, now=paris(2026, 3, 9))
    assert result.outcome == Outcome.RESERVED


def test_query_count_does_not_grow_with_days_or_children(
    child, sibling, canteen, enrolled, school_year, parent, django_assert_max_num_queries
):
    enrol(sibling, canteen, school_year)
    may = [date(2026, 5, d) for d in (4, 5, 7, 11, 12, 18, 19, 21, 22, 26, 28, 29)]
    june = [date(2026, 6, d) for d in (1, 2, 4)]
    with CaptureQueriesContext(connection) as small:
        ask(child, canteen, *june, by=parent, now=paris(2026, 4, 1))
    requests = [BookingRequest(kid, canteen, d) for kid in (child, sibling) for d in may]
    with CaptureQueriesContext(connection) as large:
        results = request_bookings(requests=requests, by=parent, now=paris(2026, 4, 1))
    assert {r.outcome for r in results} == {Outcome.RESERVED}
    assert len(results) == 24
    # The sibling's family is loaded once more; nothing else grows with days or children.
    assert len(large.captured_queries) <= len(small.captured_queries) + 1
    assert len(large.captured_queries) <= 16
