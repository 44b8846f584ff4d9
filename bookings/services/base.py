"""Shared machinery of the booking services: results, messages, counters, transitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib import messages
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError, CapacityFull, InvalidTransition
from bookings.models import (
    Booking,
    BookingState,
    Slot,
)
from bookings.states import check_transition, place_delta
from catalog.models import Activity, Closure
from core.audit import snapshot
from core.models import AuditEvent
from families.models import Child, Family

S = BookingState
AUDITED_FIELDS = ("state", "presence", "source", "is_late", "absence_reason", "decision_note")


class Outcome(models.TextChoices):
    """What happened to one requested day, as reported to the user."""

    RESERVED = "reserved", _("Réservé")
    REQUESTED = "requested", _("Envoyé pour validation")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    REFUSED = "refused", _("Refusé")
    UNCHANGED = "unchanged", _("Déjà enregistré")
    NOT_APPLIED = "not_applied", _("Non enregistré")
    CANCELLED = "cancelled", _("Annulé sans frais")
    ABSENCE_REQUESTED = "absence_requested", _("Absence envoyée pour validation")
    ABSENT_EXCUSED = "absent_excused", _("Absent excusé")
    ABSENT_BILLED = "absent_billed", _("Absent facturé")


# How a screen reports each outcome (django.contrib.messages levels), portal and back-office.
OUTCOME_LEVELS = {
    Outcome.RESERVED: messages.SUCCESS,
    Outcome.REQUESTED: messages.INFO,
    Outcome.CANCELLED: messages.SUCCESS,
    Outcome.ABSENT_EXCUSED: messages.SUCCESS,
    Outcome.ABSENCE_REQUESTED: messages.INFO,
    Outcome.WAITING_LIST: messages.WARNING,
    Outcome.ABSENT_BILLED: messages.WARNING,
    Outcome.UNCHANGED: messages.INFO,
    Outcome.NOT_APPLIED: messages.WARNING,
    Outcome.REFUSED: messages.ERROR,
}


@dataclass(frozen=True)
class BookingRequest:
    """One day asked for one child in one activity (times only for hour-counted activities)."""

    child: Child
    activity: Activity
    day: date
    planned_arrival: time | None = None
    planned_departure: time | None = None


@dataclass(frozen=True)
class DayResult:
    """The outcome of one day of a request, with the French message that explains it."""

    child_id: int
    activity_id: int
    day: date
    outcome: Outcome
    message: str
    booking_id: int | None = None
    rank: int | None = None
    is_late: bool = False


@dataclass(frozen=True)
class ClosureResult:
    """What a closure did: the closure row, the bookings cancelled, the families to notify."""

    closure: Closure
    cancelled_booking_ids: list[int]
    families: list[Family]


# ---------------------------------------------------------------------------------------------
# Messages


def _child_and_activity(child: Child, activity: Activity) -> dict[str, str]:
    return {"child": child.first_name, "activity": activity.name}


def _impossible(request: BookingRequest, reason: str) -> str:
    return _("Réservation impossible pour %(child)s le %(day)s pour %(activity)s : %(reason)s") % {
        **_child_and_activity(request.child, request.activity),
        "day": rules.format_day(request.day),
        "reason": reason,
    }


def _day_label(booking: Booking) -> str:
    return _("%(child)s, %(activity)s, %(day)s") % {
        **_child_and_activity(booking.child, booking.activity),
        "day": rules.format_day(booking.day_id),
    }


# ---------------------------------------------------------------------------------------------
# Capacity: one locked counter row per activity and day


def _lock_slots(pairs: Iterable[tuple[Activity, date]]) -> dict[tuple[int, date], Slot]:
    """Create the missing counters, then lock them all in primary-key order (no deadlock)."""
    wanted = {(activity.pk, day): activity for activity, day in pairs}
    if not wanted:
        return {}
    Slot.objects.bulk_create(
        [
            Slot(activity_id=activity_id, day_id=day, capacity=activity.capacity)
            for (activity_id, day), activity in sorted(wanted.items(), key=lambda kv: kv[0])
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    activity_ids = {activity_id for activity_id, _day in wanted}
    days = {day for _activity_id, day in wanted}
    slots: dict[tuple[int, date], Slot] = {}
    locked = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(activity_id__in=activity_ids, day_id__in=days)
        .order_by("pk")
    )
    for slot in locked:
        key = (slot.activity_id, slot.day_id)
        if key in wanted:
            capacity = wanted[key].capacity
            slot._stored = (slot.capacity, slot.taken)  # type: ignore[attr-defined]
            # The activity's capacity may have changed since the counter was made; never set
            # it below the places already taken (the database forbids that).
            slot.capacity = None if capacity is None else max(capacity, slot.taken)
            slots[key] = slot
    return slots


def _has_room(slot: Slot, activity: Activity) -> bool:
    return activity.capacity is None or slot.taken < activity.capacity


def _save_slots(slots: Iterable[Slot]) -> None:
    """Write back only the counters this call changed."""
    changed = [
        slot for slot in slots if getattr(slot, "_stored", None) != (slot.capacity, slot.taken)
    ]
    if changed:
        Slot.objects.bulk_update(changed, ["capacity", "taken"], batch_size=500)


def _waiting_counts(keys: set[tuple[int, date]]) -> dict[tuple[int, date], int]:
    if not keys:
        return {}
    rows = (
        Booking.objects.filter(
            state=S.WAITING_LIST,
            activity_id__in={activity_id for activity_id, _d in keys},
            day_id__in={day for _a, day in keys},
        )
        .values_list("activity_id", "day_id")
        .annotate(n=Count("pk"))
    )
    return {(activity_id, day): n for activity_id, day, n in rows if (activity_id, day) in keys}


def waiting_rank(booking: Booking) -> int:
    """Return the booking's rank on its waiting list (1 = next to be promoted)."""
    earlier = Booking.objects.filter(
        activity_id=booking.activity_id,
        day_id=booking.day_id,
        state=S.WAITING_LIST,
    ).filter(
        models.Q(waitlisted_at__lt=booking.waitlisted_at)
        | models.Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
    )
    return earlier.count() + 1


def _booking_event(
    booking: Booking, action: str, by: User | None, before: dict | None, note: str = ""
) -> AuditEvent:
    """Prepare the audit event of one booking change (saved by the caller)."""
    return AuditEvent(
        action=action,
        object_type="bookings.booking",
        object_id=str(booking.pk),
        actor=by,
        family_id=booking.child.family_id,
        before=before,
        after={
            "day": booking.day_id,
            "activity": booking.activity_id,
            **snapshot(booking, AUDITED_FIELDS),
        },
        note=note,
    )


def _events(
    bookings_before: Sequence[tuple[Booking, dict | None]],
    action: str,
    by: User | None,
    note: str = "",
) -> list[AuditEvent]:
    return [_booking_event(b, action, by, before, note) for b, before in bookings_before]


def _check_staff_override(by: User | None, deadline_override: str) -> None:
    if deadline_override and (by is None or by.is_family):
        raise BookingError(_("Seul un agent du service peut passer outre un délai."))


# ---------------------------------------------------------------------------------------------
# One booking at a time: decisions, cancellations, promotions


def _locked_booking(booking: Booking) -> tuple[Booking, Slot]:
    """Lock the booking's day counter, then reload the booking as it is now."""
    slot = _lock_slots([(booking.activity, booking.day_id)])[(booking.activity_id, booking.day_id)]
    fresh = Booking.objects.select_related("child", "activity", "activity__site").get(pk=booking.pk)
    return fresh, slot


def _transition(
    booking: Booking,
    target: str,
    slot: Slot,
    *,
    by: User | None,
    action: str,
    now: datetime,
    note: str = "",
) -> AuditEvent:
    """Move one booking to `target` in memory, keeping the counter true; return its event."""
    try:
        check_transition(booking.state or None, target)
    except InvalidTransition as exc:
        raise InvalidTransition(f"{_day_label(booking)} : {exc}") from exc
    before = snapshot(booking, AUDITED_FIELDS) if booking.state else None
    delta = place_delta(booking.state, target)
    if delta > 0 and not _has_room(slot, booking.activity):
        raise CapacityFull(
            _(
                "Plus de place le %(day)s pour %(activity)s (%(capacity)s places) : "
                "laissez la demande en liste d'attente ou refusez-la."
            )
            % {
                "day": rules.format_day(booking.day_id),
                "activity": booking.activity.name,
                "capacity": booking.activity.capacity,
            }
        )
    slot.taken += delta
    booking.state = target
    if target != S.WAITING_LIST:
        booking.waitlisted_at = None
    if note:
        booking.decision_note = note
    booking.decided_at = now
    booking.decided_by = by
    return _booking_event(booking, action, by, before, note)


def _move(
    booking: Booking,
    target: str,
    slot: Slot,
    *,
    by: User | None,
    action: str,
    now: datetime,
    note: str = "",
) -> None:
    """Move one booking to `target` and save it with its audit event."""
    event = _transition(booking, target, slot, by=by, action=action, now=now, note=note)
    booking.save()
    event.object_id = str(booking.pk)
    event.save()


TRANSITION_FIELDS = [
    "state",
    "closure",
    "waitlisted_at",
    "decision_note",
    "decided_at",
    "decided_by",
    "absence_reason",
    "absence_note",
    "absence_proof",
    "updated_at",
]


def _save_transitions(bookings: list[Booking], events: list[AuditEvent]) -> None:
    """Write moved bookings and their events in a constant number of statements."""
    now = timezone.now()
    for booking in bookings:
        booking.updated_at = now
    Booking.objects.bulk_update(bookings, TRANSITION_FIELDS, batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=500)


def _promote_where_waiting(
    slots: dict[tuple[int, date], Slot], *, by: User | None, now: datetime
) -> None:
    """Promote from the waiting lists of the given (locked) days that have anyone waiting."""
    for key, count in _waiting_counts(set(slots)).items():
        if count:
            _promote(slots[key], slots[key].activity, by=by, now=now)


def _promote(slot: Slot, activity: Activity, *, by: User | None, now: datetime) -> list[Booking]:
    """Give freed places to the waiting list, oldest first (slot already locked).

    A day gone by is never filled: a child promoted after the fact would be billed for a
    day nobody told the family about (deciding an old absence must not do that).
    """
    if slot.day_id < timezone.localdate(now):
        return []
    if activity.capacity is None:
        free = None
    else:
        free = activity.capacity - slot.taken
        if free <= 0:
            return []
    waiting = (
        Booking.objects.select_related("child", "activity")
        .filter(activity_id=slot.activity_id, day_id=slot.day_id, state=S.WAITING_LIST)
        .order_by("waitlisted_at", "pk")
    )
    if free is not None:
        waiting = waiting[:free]
    promoted = list(waiting)
    for booking in promoted:
        _move(
            booking,
            S.RESERVED,
            slot,
            by=by,
            action="booking.promoted",
            now=now,
            note=_("Place libérée : attribuée depuis la liste d'attente."),
        )
    return promoted
