"""Absences (cancelled, excused, billed, carence) and crèche leave."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import (
    AbsenceReason,
    Booking,
)
from bookings.services.base import (
    DayResult,
    Outcome,
    S,
    _check_staff_override,
    _day_label,
    _lock_slots,
    _promote_where_waiting,
    _save_slots,
    _save_transitions,
    _transition,
)
from catalog.models import Activity
from catalog.queries import CalendarSpan, calendar_span
from core.models import AuditEvent
from core.uploads import UploadRefused, check_proof

# ---------------------------------------------------------------------------------------------
# Absences


def _store_proof(proof: File) -> str:
    try:
        extension = check_proof(proof)
    except UploadRefused as exc:
        raise BookingError(str(exc)) from exc
    today = timezone.localdate()
    name = f"absences/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, proof)


def declare_absence(
    *,
    bookings: Sequence[Booking],
    reason: AbsenceReason,
    by: User | None,
    note: str = "",
    proof: File | None = None,
    deadline_override: str = "",
    now: datetime | None = None,
) -> list[DayResult]:
    """Declare reserved days absent: cancelled before the deadline, else excused or billed."""
    _check_staff_override(by, deadline_override)
    if not bookings:
        return []
    now = now or timezone.now()
    proof_name = _store_proof(proof) if proof is not None else ""
    try:
        return _declare_absence(
            bookings=bookings,
            reason=reason,
            by=by,
            note=note,
            proof_name=proof_name,
            deadline_override=deadline_override,
            now=now,
        )
    except Exception:
        # Nothing was written: do not keep a proof no booking points to.
        if proof_name:
            default_storage.delete(proof_name)
        raise


def _declare_absence(
    *,
    bookings: Sequence[Booking],
    reason: AbsenceReason,
    by: User | None,
    note: str,
    proof_name: str,
    deadline_override: str,
    now: datetime,
) -> list[DayResult]:
    with transaction.atomic(durable=True):
        ordered = sorted(bookings, key=lambda b: (b.child_id, b.activity_id, b.day_id))
        activities = Activity.objects.in_bulk({b.activity_id for b in ordered})
        slots = _lock_slots((activities[b.activity_id], b.day_id) for b in ordered)
        fresh = Booking.objects.select_related(
            "child__family", "activity__cancellation_rule"
        ).in_bulk([b.pk for b in ordered])
        if len(fresh) < len({b.pk for b in ordered}):
            raise BookingError(_("Une des réservations n'existe plus : rechargez la page."))
        first = min(b.day_id for b in ordered)
        calendar = calendar_span(first, max(b.day_id for b in ordered))
        carence_used = _carence_already_used(list(fresh.values()), reason)
        results: list[DayResult] = []
        moved: list[Booking] = []
        events: list[AuditEvent] = []
        for booking in (fresh[b.pk] for b in ordered):
            if booking.state != S.RESERVED:
                results.append(_absence_refused(booking))
                continue
            target, message = _absence_outcome(
                booking,
                reason,
                calendar,
                carence_used,
                has_proof=bool(proof_name),
                override=bool(deadline_override),
                now=now,
            )
            booking.absence_reason = reason
            booking.absence_note = note.strip()
            if proof_name:
                booking.absence_proof.name = proof_name
            slot = slots[(booking.activity_id, booking.day_id)]
            events.append(
                _transition(
                    booking,
                    target,
                    slot,
                    by=by,
                    action="booking.absence_declared",
                    now=now,
                    note=deadline_override,
                )
            )
            moved.append(booking)
            results.append(
                DayResult(
                    booking.child_id,
                    booking.activity_id,
                    booking.day_id,
                    Outcome(target),
                    message,
                    booking_id=booking.pk,
                )
            )
        _save_transitions(moved, events)
        _promote_where_waiting(slots, by=by, now=now)
        _save_slots(slots.values())
        return results


ABSENT_STATES = (S.ABSENT_BILLED, S.ABSENT_EXCUSED, S.ABSENCE_REQUESTED)
# An illness declared again within this many days continues the same episode (one carence).
EPISODE_GAP = timedelta(days=4)


def _carence_already_used(
    bookings: list[Booking], reason: AbsenceReason
) -> dict[tuple[int, int], int]:
    """Count carence days already spent when this absence continues an earlier one."""
    used: dict[tuple[int, int], int] = defaultdict(int)
    if not reason.applies_carence:
        return used
    firsts: dict[tuple[int, int], date] = {}
    for booking in bookings:
        key = (booking.child_id, booking.activity_id)
        firsts[key] = min(firsts.get(key, booking.day_id), booking.day_id)
    for (child_id, activity_id), first in firsts.items():
        previous = (
            Booking.objects.filter(
                child_id=child_id,
                activity_id=activity_id,
                day_id__lt=first,
                day_id__gte=first - EPISODE_GAP,
            )
            .exclude(state=S.CANCELLED)
            .order_by("-day_id")
            .select_related("absence_reason")
            .first()
        )
        if (
            previous is not None
            and previous.state in ABSENT_STATES
            and previous.absence_reason is not None
            and previous.absence_reason.applies_carence
        ):
            # The episode goes on: its carence days were counted when it began.
            used[(child_id, activity_id)] = 10_000
    return used


def _absence_refused(booking: Booking) -> DayResult:
    if booking.state in {S.REQUESTED, S.WAITING_LIST}:
        message = _(
            "%(day)s : la réservation n'est pas encore accordée ; annulez la demande "
            "au lieu de déclarer une absence."
        )
    else:
        message = _("%(day)s : aucune réservation à déclarer absente (état : %(state)s).")
    return DayResult(
        booking.child_id,
        booking.activity_id,
        booking.day_id,
        Outcome.REFUSED,
        message % {"day": _day_label(booking), "state": S(booking.state).label},
        booking_id=booking.pk,
    )


def _absence_outcome(
    booking: Booking,
    reason: AbsenceReason,
    calendar: CalendarSpan,
    carence_used: dict[tuple[int, int], int],
    *,
    has_proof: bool,
    override: bool,
    now: datetime,
) -> tuple[str, str]:
    """Decide the state of one absent day and the message that explains it."""
    activity = booking.activity
    values = {"day": _day_label(booking)}
    rule = activity.cancellation_rule
    check = (
        rules.DeadlineCheck(allowed=True, deadline=None)
        if override or rule is None
        else rules.check_deadline(rule.as_rule(), booking.day_id, calendar, now=now)
    )
    if check.allowed:
        return S.CANCELLED, _("%(day)s : annulé dans les délais, non facturé.") % values
    values["when"] = rules.format_instant(check.deadline) if check.deadline else ""
    if not reason.is_justified:
        return S.ABSENT_BILLED, _(
            "%(day)s : délai d'annulation dépassé depuis le %(when)s, l'absence sera facturée."
        ) % values
    key = (booking.child_id, activity.pk)
    if reason.applies_carence and carence_used[key] < activity.carence_days:
        carence_used[key] += 1
        values["n"] = str(activity.carence_days)
        return S.ABSENT_BILLED, _(
            "%(day)s : jour de carence (les %(n)s premiers jours d'absence sont facturés)."
        ) % values
    if (reason.requires_proof and not has_proof) or (
        activity.absence_validation_mode == Activity.ValidationMode.STAFF
    ):
        suffix = (
            _(" Joignez le justificatif pour qu'elle soit excusée.")
            if reason.requires_proof and not has_proof
            else ""
        )
        return S.ABSENCE_REQUESTED, (
            _("%(day)s : absence justifiée envoyée au service pour validation.") % values
        ) + suffix
    return S.ABSENT_EXCUSED, _("%(day)s : absence excusée, non facturée.") % values


def declare_leave(
    *, bookings: Sequence[Booking], by: User | None, now: datetime | None = None
) -> list[Booking]:
    """Mark contract days of an hour-counted activity (crèche) as leave (« Congé »)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        activities = Activity.objects.in_bulk({b.activity_id for b in bookings})
        slots = _lock_slots((activities[b.activity_id], b.day_id) for b in bookings)
        fresh = Booking.objects.select_related("child", "activity").in_bulk(
            [b.pk for b in bookings]
        )
        changed: list[Booking] = []
        events: list[AuditEvent] = []
        for booking in sorted(fresh.values(), key=lambda b: (b.day_id, b.pk)):
            if not booking.activity.counted_in_hours:
                raise BookingError(
                    _("%(day)s : les congés ne concernent que l'accueil à l'heure (crèche).")
                    % {"day": _day_label(booking)}
                )
            slot = slots[(booking.activity_id, booking.day_id)]
            events.append(
                _transition(booking, S.LEAVE, slot, by=by, action="booking.leave", now=now)
            )
            changed.append(booking)
        _save_transitions(changed, events)
        _promote_where_waiting(slots, by=by, now=now)
        _save_slots(slots.values())
        return changed
