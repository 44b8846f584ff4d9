"""Staff decisions on requests, family cancellations, waiting-list promotion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import Booking, Slot
from bookings.services.base import (
    DayResult,
    Outcome,
    S,
    _day_label,
    _lock_slots,
    _locked_booking,
    _move,
    _promote,
    _save_slots,
)
from catalog.models import Activity


def promote_waiting_list(
    *, activity: Activity, day: date, by: User | None, now: datetime | None = None
) -> list[Booking]:
    """Fill the free places of a day from its waiting list, oldest first."""
    now = now or timezone.now()
    if day < timezone.localdate(now):
        raise BookingError(_past_waiting_list(activity, day))
    with transaction.atomic(durable=True):
        slot = _lock_slots([(activity, day)])[(activity.pk, day)]
        promoted = _promote(slot, activity, by=by, now=now)
        slot.save(update_fields=["capacity", "taken"])
        return promoted


APPROVALS = {
    S.REQUESTED: S.RESERVED,
    S.WAITING_LIST: S.RESERVED,
    S.ABSENCE_REQUESTED: S.ABSENT_EXCUSED,
}
REFUSALS = {
    S.REQUESTED: S.REFUSED,
    S.WAITING_LIST: S.REFUSED,
    S.ABSENCE_REQUESTED: S.ABSENT_BILLED,
}


def approve_request(
    *, booking: Booking, by: User, note: str = "", now: datetime | None = None
) -> Booking:
    """Accept a pending reservation (or waiting-list place) or a pending absence."""
    return _decide(booking, APPROVALS, by=by, action="booking.approved", note=note, now=now)


def refuse_request(
    *, booking: Booking, by: User, reason: str, now: datetime | None = None
) -> Booking:
    """Refuse a pending reservation (reason required) or a pending absence (then billed)."""
    if not reason.strip():
        raise BookingError(_("Indiquez le motif du refus : il sera communiqué à la famille."))
    return _decide(booking, REFUSALS, by=by, action="booking.refused", note=reason.strip(), now=now)


def _decide(
    booking: Booking,
    targets: dict[S, S],
    *,
    by: User,
    action: str,
    note: str,
    now: datetime | None,
) -> Booking:
    """Apply a staff decision to a pending booking, then give any freed place away."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking, slot = _locked_booking(booking)
        target = targets.get(S(booking.state))
        if target is None:
            raise BookingError(_already_processed(booking))
        if booking.state == S.WAITING_LIST and booking.day_id < timezone.localdate(now):
            raise BookingError(_past_waiting_list(booking.activity, booking.day_id))
        _move(booking, target, slot, by=by, action=action, now=now, note=note)
        _promote(slot, booking.activity, by=by, now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


WITHDRAWALS = {
    S.REQUESTED: S.CANCELLED,
    S.WAITING_LIST: S.CANCELLED,
    S.ABSENCE_REQUESTED: S.RESERVED,  # the absence is withdrawn, the place kept
}


def cancel_request(*, booking: Booking, by: User | None, now: datetime | None = None) -> Booking:
    """Withdraw a pending request: a reservation request, a waiting-list place or an absence."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking, slot = _locked_booking(booking)
        _withdraw(booking, slot, by=by, now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def cancel_requests(
    *, bookings: Sequence[Booking], by: User | None, now: datetime | None = None
) -> list[DayResult]:
    """Withdraw several pending requests in one transaction, reporting each day.

    A day whose request was decided meanwhile comes back refused with the reason; the others
    are withdrawn. Used by the family's planning and by the counter.
    """
    now = now or timezone.now()
    results: list[DayResult] = []
    with transaction.atomic(durable=True):
        slots = _lock_slots((b.activity, b.day_id) for b in bookings)
        fresh = Booking.objects.select_related("child", "activity").in_bulk(
            [b.pk for b in bookings]
        )
        for booking in sorted(fresh.values(), key=lambda b: (b.day_id, b.activity_id)):
            slot = slots[(booking.activity_id, booking.day_id)]
            try:
                _withdraw(booking, slot, by=by, now=now)
            except BookingError as exc:
                results.append(_day_result(booking, Outcome.REFUSED, exc.message))
                continue
            values = {"day": rules.format_day(booking.day_id), "activity": booking.activity.name}
            message = (
                _(
                    "Demande d'absence retirée le %(day)s pour %(activity)s : la réservation "
                    "est maintenue."
                )
                if booking.state == S.RESERVED
                else _("Demande annulée le %(day)s pour %(activity)s.")
            ) % values
            results.append(_day_result(booking, Outcome.CANCELLED, message))
        _save_slots(slots.values())
    return results


def _withdraw(booking: Booking, slot: Slot, *, by: User | None, now: datetime) -> None:
    target = WITHDRAWALS.get(S(booking.state))
    if target is None:
        raise BookingError(
            _("Il n'y a pas de demande en attente à annuler pour %(day)s (état : %(state)s).")
            % {"day": _day_label(booking), "state": S(booking.state).label}
        )
    if target == S.RESERVED:
        booking.absence_reason = None
        booking.absence_note = ""
    _move(booking, target, slot, by=by, action="booking.request_cancelled", now=now)


def _day_result(booking: Booking, outcome: Outcome, message: str) -> DayResult:
    return DayResult(
        booking.child_id,
        booking.activity_id,
        booking.day_id,
        outcome,
        message,
        booking_id=booking.pk,
    )


def _past_waiting_list(activity: Activity, day: date) -> str:
    return _(
        "Le %(day)s est passé : la liste d'attente de %(activity)s ne peut plus donner de "
        "place (la famille serait facturée d'un jour qu'on ne lui a pas annoncé)."
    ) % {"day": rules.format_day(day), "activity": activity.name}


def _already_processed(booking: Booking) -> str:
    return _("Cette demande (%(day)s) a déjà été traitée : son état est « %(state)s ».") % {
        "day": _day_label(booking),
        "state": S(booking.state).label,
    }
