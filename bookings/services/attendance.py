"""Attendance: presence on booked days and walk-ins."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import (
    Booking,
    BookingSource,
    Enrolment,
    Presence,
)
from bookings.services.base import (
    AUDITED_FIELDS,
    S,
    _booking_event,
    _child_and_activity,
    _lock_slots,
    _move,
)
from bookings.states import HOLDS_PLACE
from catalog.models import Activity, CalendarDay, DayKind
from catalog.queries import closure_index
from core.audit import snapshot
from families.models import Child


def _set_presence(booking: Booking, presence: str, by: User) -> Booking:
    """Record presence on a locked booking, audited; a repeated tap changes nothing."""
    if booking.presence == presence:
        return booking
    before = snapshot(booking, AUDITED_FIELDS)
    booking.presence = presence
    booking.save(update_fields=["presence", "updated_at"])
    _booking_event(booking, "booking.presence", by, before).save()
    return booking


def record_presence(
    *, booking: Booking, presence: str, by: User, now: datetime | None = None
) -> Booking:
    """Record a child present or absent on a booked day (idempotent)."""
    if presence not in Presence.values:
        raise BookingError(_("Présence inconnue."))
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update().select_related("child").get(pk=booking.pk)
        return _set_presence(booking, presence, by)


def record_walk_in(
    *, child: Child, activity: Activity, day: date, by: User, now: datetime | None = None
) -> Booking:
    """Record a child present without booking (billed with the walk-in surcharge)."""
    now = now or timezone.now()
    values = {**_child_and_activity(child, activity), "day": rules.format_day(day)}
    with transaction.atomic(durable=True):
        calendar_day = CalendarDay.objects.filter(date=day).first()
        if calendar_day is None:
            raise BookingError(_("Le %(day)s est en dehors de l'année scolaire.") % values)
        closure = closure_index(day, day).closure_for(activity, day)
        if (
            calendar_day.kind == DayKind.PUBLIC_HOLIDAY
            or closure is not None
            or not activity.runs_on(day, calendar_day.kind)
        ):
            raise BookingError(
                _(
                    "%(activity)s n'a pas lieu le %(day)s (fermeture ou jour sans activité) : "
                    "pointage impossible."
                )
                % values
            )
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
        if booking is None:
            booking = Booking(
                child=child, activity=activity, enrolment=enrolment, day_id=day, state=""
            )
        booking.source = BookingSource.WALK_IN
        booking.presence = Presence.PRESENT
        _move(booking, S.RESERVED, slot, by=by, action="booking.walk_in", now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def refresh_booking(booking: Booking) -> Booking:
    """Return the booking as stored now (for callers that hold a stale copy)."""
    return Booking.objects.select_related("child", "activity").get(pk=booking.pk)
