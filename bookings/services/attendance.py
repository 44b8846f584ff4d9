"""Attendance: presence on booked days and walk-ins."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError, CapacityFull
from bookings.models import (
    AttendanceSheet,
    Booking,
    BookingSource,
    BookingState,
    Enrolment,
    Presence,
)
from bookings.queries.attendance import attendance_refusal
from bookings.services.base import (
    AUDITED_FIELDS,
    S,
    _booking_event,
    _child_and_activity,
    _lock_slots,
    _move,
)
from bookings.states import HOLDS_PLACE
from catalog.models import Activity, CalendarDay
from core.audit import record, snapshot
from families.models import Child


def _set_presence(booking: Booking, presence: str, by: User, note: str = "") -> Booking:
    """Record presence on a locked booking, audited; a repeated tap changes nothing."""
    if booking.presence == presence:
        return booking
    before = snapshot(booking, AUDITED_FIELDS)
    booking.presence = presence
    booking.save(update_fields=["presence", "updated_at"])
    _booking_event(booking, "booking.presence", by, before, note).save()
    return booking


def _refuse_unless_attendance_open(activity: Activity, day: date, now: datetime) -> None:
    """Refuse attendance outside the year, on a closed or idle day, or before the day."""
    refusal = attendance_refusal(activity, day, timezone.localdate(now))
    if refusal:
        raise BookingError(refusal)


def record_presence(
    *, booking: Booking, presence: str, by: User, now: datetime | None = None
) -> Booking:
    """Set a booked child present or absent (idempotent: the same mark twice changes nothing).

    Refused, with nothing changed, before the day itself, on a closed day or a day the
    activity does not run, and for a booking that holds no place (declared absent, cancelled,
    requested…): a child present without booking is recorded by `record_walk_in`.
    """
    if presence not in Presence.values:
        raise BookingError(_("Présence inconnue."))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("child", "activity")
            .get(pk=booking.pk)
        )
        _refuse_unless_attendance_open(booking.activity, booking.day_id, now)
        if booking.state not in HOLDS_PLACE:
            raise BookingError(
                _(
                    "Pointage impossible pour %(child)s le %(day)s (%(activity)s) : sa "
                    "réservation est « %(state)s » et ne lui donne pas de place. Un enfant "
                    "présent sans réservation s'enregistre comme tel (« Ajouter un enfant "
                    "présent sans réservation »), avec la majoration."
                )
                % {
                    **_child_and_activity(booking.child, booking.activity),
                    "day": rules.format_day(booking.day_id),
                    "state": BookingState(booking.state).label,
                }
            )
        completed = AttendanceSheet.objects.filter(
            activity_id=booking.activity_id, day_id=booking.day_id
        ).exists()
        note = _("Correction après la feuille terminée.") if completed else ""
        return _set_presence(booking, presence, by, note)


def record_walk_in(
    *, child: Child, activity: Activity, day: date, by: User, now: datetime | None = None
) -> Booking:
    """Record a child present without booking (billed with the walk-in surcharge)."""
    now = now or timezone.now()
    values = {**_child_and_activity(child, activity), "day": rules.format_day(day)}
    with transaction.atomic(durable=True):
        _refuse_unless_attendance_open(activity, day, now)
        calendar_day = CalendarDay.objects.get(date=day)
        enrolment = Enrolment.objects.filter(
            child=child, activity=activity, school_year_id=calendar_day.school_year_id
        ).first()
        if enrolment is None:
            raise BookingError(
                _("%(child)s n'est pas inscrit à %(activity)s : inscrivez-le avant de le pointer.")
                % _child_and_activity(child, activity)
            )
        slot = _lock_slots([(activity, day)])[(activity.pk, day)]
        booking = Booking.objects.filter(child=child, activity=activity, day_id=day).first()
        if booking is not None and booking.state in HOLDS_PLACE:
            return _set_presence(booking, Presence.PRESENT, by)
        if booking is not None and booking.state in (S.ABSENT_EXCUSED, S.ABSENT_BILLED):
            raise BookingError(
                _(
                    "%(child)s est déclaré « %(state)s » le %(day)s pour %(activity)s : "
                    "demandez au service d'annuler cette absence avant de le pointer présent."
                )
                % {**values, "state": BookingState(booking.state).label}
            )
        if booking is None:
            booking = Booking(
                child=child, activity=activity, enrolment=enrolment, day_id=day, state=""
            )
        booking.source = BookingSource.WALK_IN
        booking.presence = Presence.PRESENT
        try:
            _move(booking, S.RESERVED, slot, by=by, action="booking.walk_in", now=now)
        except CapacityFull as exc:
            raise CapacityFull(
                _(
                    "Plus de place le %(day)s pour %(activity)s (%(capacity)s places, toutes "
                    "prises) : %(child)s ne peut pas être ajouté. Prévenez le service."
                )
                % {**values, "capacity": activity.capacity}
            ) from exc
        slot.save(update_fields=["capacity", "taken"])
        return booking


def complete_attendance_sheet(
    *, activity: Activity, day: date, by: User, now: datetime | None = None
) -> AttendanceSheet:
    """Mark an activity's sheet of a day complete once every expected child is marked.

    Completing an already complete sheet returns it unchanged (no second audit event);
    marks may still be corrected afterwards, each correction audited.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        _refuse_unless_attendance_open(activity, day, now)
        # The day's counter row serialises completions and walk-ins of the same sheet.
        _lock_slots([(activity, day)])
        existing = AttendanceSheet.objects.filter(activity=activity, day_id=day).first()
        if existing is not None:
            return existing
        holding = list(
            Booking.objects.filter(activity=activity, day_id=day, state__in=HOLDS_PLACE)
            .select_related("child")
            .only("presence", "child__first_name", "child__last_name", "child__class_level")
        )
        unmarked = sorted(
            (b.child for b in holding if b.presence == Presence.UNKNOWN),
            key=lambda child: (
                rules.collation_key(child.last_name),
                rules.collation_key(child.first_name),
            ),
        )
        if unmarked:
            raise BookingError(_not_marked_message(activity, day, unmarked))
        sheet = AttendanceSheet.objects.create(
            activity=activity, day_id=day, completed_at=now, completed_by=by
        )
        present = sum(1 for b in holding if b.presence == Presence.PRESENT)
        record(
            action="attendance.sheet_completed",
            obj=sheet,
            by=by,
            after={
                "activity": activity.pk,
                "day": day.isoformat(),
                "expected": len(holding),
                "present": present,
                "absent": len(holding) - present,
            },
        )
        return sheet


NAMES_SHOWN = 10


def _not_marked_message(activity: Activity, day: date, children: list[Child]) -> str:
    names = [str(c) for c in children]
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += _(" et %(count)d autres") % {"count": len(names) - NAMES_SHOWN}
    return ngettext(
        "Feuille non terminée : %(count)d enfant n'est pas encore pointé le %(day)s pour "
        "%(activity)s (%(names)s). Marquez-le présent ou absent, puis terminez la feuille.",
        "Feuille non terminée : %(count)d enfants ne sont pas encore pointés le %(day)s pour "
        "%(activity)s (%(names)s). Marquez-les présents ou absents, puis terminez la feuille.",
        len(names),
    ) % {
        "count": len(names),
        "day": rules.format_day(day),
        "activity": activity.name,
        "names": shown,
    }


def refresh_booking(booking: Booking) -> Booking:
    """Return the booking as stored now (for callers that hold a stale copy)."""
    return Booking.objects.select_related("child", "activity").get(pk=booking.pk)
