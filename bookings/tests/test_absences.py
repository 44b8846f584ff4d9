"""declare_absence: cancelled in time, else billed, excused or sent for validation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bookings.exceptions import BookingError
from bookings.models import Booking, BookingState
from bookings.services import (
    BookingRequest,
    approve_request,
    cancel_request,
    declare_absence,
    declare_leave,
    refuse_request,
    request_bookings,
)
from catalog.models import Activity
from conftest import assert_counters_match_bookings, booking_of, paris

MONDAY, TUESDAY, THURSDAY = date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 16)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def booked(child, canteen, enrolled, parent):
    results = request_bookings(
        requests=[BookingRequest(child, canteen, d) for d in (MONDAY, TUESDAY, THURSDAY)],
        by=parent,
        now=paris(2026, 4, 1),
    )
    return [booking_of(r) for r in results]


def states(bookings):
    return [Booking.objects.get(pk=b.pk).state for b in bookings]


def test_absence_before_deadline_is_cancelled_free(booked, parent, absence_reasons):
    results = declare_absence(
        bookings=booked[:1],
        reason=absence_reasons["personal"],
        by=parent,
        now=paris(2026, 4, 10, 11, 59),
    )
    assert results[0].outcome == "cancelled"
    assert results[0].message == (
        "Léa, Restauration scolaire, lundi 13 avril 2026 : annulé dans les délais, non facturé."
    )
    assert_counters_match_bookings()


def test_absence_after_deadline_is_billed(booked, parent, absence_reasons):
    [result] = declare_absence(
        bookings=booked[:1],
        reason=absence_reasons["personal"],
        by=parent,
        now=paris(2026, 4, 10, 12, 0),
    )
    assert result.outcome == "absent_billed"
    assert "dépassé depuis le vendredi 10 avril à 12h00" in result.message
    assert_counters_match_bookings()


def test_sickness_with_proof_applies_carence_then_excuses(
    booked, parent, absence_reasons, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf")
    results = declare_absence(
        bookings=booked,
        reason=absence_reasons["sick"],
        by=parent,
        note="Varicelle",
        proof=proof,
        now=paris(2026, 4, 13, 13, 0),
    )
    # Monday is the carence day, Tuesday is past its deadline (Monday 12:00) but justified,
    # Thursday can still be cancelled (deadline Wednesday 12:00).
    assert [r.outcome for r in results] == ["absent_billed", "absent_excused", "cancelled"]
    assert "jour de carence" in results[0].message
    stored = Booking.objects.get(pk=booked[1].pk)
    assert stored.absence_proof.name.endswith(".pdf")
    assert (tmp_path / stored.absence_proof.name).read_bytes() == PDF
    assert stored.absence_note == "Varicelle"


def test_sickness_without_proof_waits_for_staff(booked, parent, agent, absence_reasons, canteen):
    canteen.carence_days = 0
    canteen.save()
    [result] = declare_absence(
        bookings=booked[1:2],
        reason=absence_reasons["sick"],
        by=parent,
        now=paris(2026, 4, 13, 13, 0),
    )
    assert result.outcome == "absence_requested"
    assert "Joignez le justificatif" in result.message
    booking = booking_of(result)
    assert_counters_match_bookings()  # still holds its place until decided
    assert refuse_request(booking=booking, by=agent, reason="Pas de certificat").state == (
        BookingState.ABSENT_BILLED
    )
    assert_counters_match_bookings()


def test_staff_validation_of_justified_absence(booked, parent, agent, absence_reasons, canteen):
    canteen.absence_validation_mode = Activity.ValidationMode.STAFF
    canteen.save()
    [result] = declare_absence(
        bookings=booked[1:2],
        reason=absence_reasons["strike"],
        by=parent,
        now=paris(2026, 4, 13, 13, 0),
    )
    booking = booking_of(result)
    assert booking.state == BookingState.ABSENCE_REQUESTED
    assert approve_request(booking=booking, by=agent).state == BookingState.ABSENT_EXCUSED


def test_family_withdraws_absence_request(booked, parent, absence_reasons, canteen):
    canteen.absence_validation_mode = Activity.ValidationMode.STAFF
    canteen.save()
    [result] = declare_absence(
        bookings=booked[1:2],
        reason=absence_reasons["strike"],
        by=parent,
        now=paris(2026, 4, 13, 13, 0),
    )
    booking = cancel_request(booking=booking_of(result), by=parent)
    assert booking.state == BookingState.RESERVED
    assert booking.absence_reason is None
    assert_counters_match_bookings()


def test_proof_is_checked_by_content(booked, parent, absence_reasons):
    fake = SimpleUploadedFile(
        "certificat.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(BookingError, match="PDF, un JPEG ou un PNG"):
        declare_absence(
            bookings=booked[:1],
            reason=absence_reasons["sick"],
            by=parent,
            proof=fake,
            now=paris(2026, 4, 13),
        )
    assert states(booked) == [BookingState.RESERVED] * 3


def test_proof_size_is_limited(booked, parent, absence_reasons, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("c.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    with pytest.raises(BookingError, match="dépasse"):
        declare_absence(
            bookings=booked[:1],
            reason=absence_reasons["sick"],
            by=parent,
            proof=big,
            now=paris(2026, 4, 13),
        )


def test_absence_on_pending_request_is_refused_per_day(
    toddler, creche, creche_enrolment, parent, absence_reasons
):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, TUESDAY)], by=parent, now=paris(2026, 4, 1)
    )
    booking = booking_of(result)
    [outcome] = declare_absence(
        bookings=[booking], reason=absence_reasons["personal"], by=parent, now=paris(2026, 4, 1)
    )
    assert outcome.outcome == "refused"
    assert "annulez la demande" in outcome.message


def test_leave_on_the_creche_frees_the_place(toddler, creche, creche_enrolment, parent, agent):
    [result] = request_bookings(
        requests=[BookingRequest(toddler, creche, TUESDAY)], by=parent, now=paris(2026, 4, 1)
    )
    booking = approve_request(booking=booking_of(result), by=agent)
    [leave] = declare_leave(bookings=[booking], by=parent, now=paris(2026, 4, 2))
    assert leave.state == BookingState.LEAVE
    assert_counters_match_bookings()


def test_leave_only_for_hour_counted_activities(booked, parent):
    with pytest.raises(BookingError, match="crèche"):
        declare_leave(bookings=booked[:1], by=parent)


def test_carence_is_not_billed_twice_for_one_illness(
    booked, parent, absence_reasons, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf")
    [first] = declare_absence(
        bookings=booked[:1],
        reason=absence_reasons["sick"],
        by=parent,
        proof=proof,
        now=paris(2026, 4, 13, 13, 0),
    )
    assert first.outcome == "absent_billed"  # the carence day
    proof.seek(0)
    [second] = declare_absence(
        bookings=booked[1:2],
        reason=absence_reasons["sick"],
        by=parent,
        proof=proof,
        now=paris(2026, 4, 13, 13, 0),
    )
    assert second.outcome == "absent_excused"


def test_absence_query_count_does_not_grow_with_days(
    child, canteen, enrolled, parent, absence_reasons
):
    days = [date(2026, 5, d) for d in (4, 5, 7, 11, 12, 18, 19, 21, 22, 26)]
    results = request_bookings(
        requests=[BookingRequest(child, canteen, d) for d in days], by=parent, now=paris(2026, 4, 1)
    )
    bookings = [booking_of(r) for r in results]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        declare_absence(
            bookings=bookings[:2],
            reason=absence_reasons["personal"],
            by=parent,
            now=paris(2026, 4, 1),
        )
    with CaptureQueriesContext(connection) as many:
        declare_absence(
            bookings=bookings[2:],
            reason=absence_reasons["personal"],
            by=parent,
            now=paris(2026, 4, 1),
        )
    assert len(many.captured_queries) == len(few.captured_queries)


def test_failed_declaration_keeps_no_proof_file(
    booked, parent, absence_reasons, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf")
    gone = Booking.objects.get(pk=booked[0].pk)
    Booking.objects.filter(pk=gone.pk).delete()  # deleted meanwhile: the call fails inside
    with pytest.raises(BookingError, match=r"n.existe plus"):
        declare_absence(
            bookings=[gone],
            reason=absence_reasons["sick"],
            by=parent,
            proof=proof,
            now=paris(2026, 4, 1),
        )
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
