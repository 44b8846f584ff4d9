"""Closures of an activity or a site: bookings cancelled free of charge."""

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
)
from bookings.services.base import (
    AUDITED_FIELDS,
    ClosureResult,
    S,
    _events,
    _lock_slots,
    _save_slots,
)
from bookings.states import check_transition, place_delta
from catalog.models import Activity, CalendarDay, Closure, Site
from core.audit import snapshot
from core.models import AuditEvent


def close_days(
    *,
    starts_on: date,
    ends_on: date,
    reason: str,
    by: User | None,
    activity: Activity | None = None,
    site: Site | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ClosureResult:
    """Close an activity or a site; cancel the affected bookings free of charge."""
    if (activity is None) == (site is None):
        raise BookingError(_("Choisissez soit une activité, soit un site à fermer."))
    if ends_on < starts_on:
        raise BookingError(
            _("La fermeture se termine le %(end)s, avant son début le %(start)s.")
            % {"end": rules.format_day(ends_on), "start": rules.format_day(starts_on)}
        )
    if reason not in Closure.Reason.values:
        raise BookingError(_("Motif de fermeture inconnu."))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        closure = Closure.objects.create(
            activity=activity,
            site=site,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            note=note,
            created_by=by,
        )
        AuditEvent.objects.create(
            action="closure.created",
            object_type="catalog.closure",
            object_id=str(closure.pk),
            actor=by,
            after={
                "activity": activity.pk if activity else None,
                "site": site.pk if site else None,
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
                "reason": reason,
                "note": note,
            },
        )
        # Lock every counter of the closed span first (creating missing ones), so a request
        # or a decision that commits meanwhile is either seen here or sees the closure.
        activities = [activity] if activity else list(Activity.objects.filter(site=site))
        days = CalendarDay.objects.filter(date__gte=starts_on, date__lte=ends_on).values_list(
            "date", flat=True
        )
        slots = _lock_slots((a, d) for a in activities for d in days)
        affected = Booking.objects.filter(
            activity__in=activities, day_id__gte=starts_on, day_id__lte=ends_on
        ).exclude(state__in=[S.CANCELLED, S.REFUSED])
        rows = list(affected.select_related("child__family", "activity"))
        label = _("Fermeture (%(reason)s)") % {"reason": closure.get_reason_display()}
        if note:
            label = f"{label} : {note}"
        befores = []
        for booking in rows:
            check_transition(booking.state, S.CANCELLED)
            befores.append((booking, snapshot(booking, AUDITED_FIELDS)))
            slots[(booking.activity_id, booking.day_id)].taken += place_delta(
                booking.state, S.CANCELLED
            )
            booking.state = S.CANCELLED
            booking.waitlisted_at = None
            booking.decision_note = label[:500]
            booking.decided_at = now
            booking.decided_by = by
        Booking.objects.bulk_update(
            rows,
            ["state", "waitlisted_at", "decision_note", "decided_at", "decided_by"],
            batch_size=500,
        )
        _save_slots(slots.values())
        AuditEvent.objects.bulk_create(
            _events(befores, "booking.closed", by, note=label), batch_size=500
        )
        families = {b.child.family.pk: b.child.family for b in rows}
        return ClosureResult(
            closure=closure,
            cancelled_booking_ids=[b.pk for b in rows],
            families=sorted(families.values(), key=lambda f: f.identifier),
        )
