"""Closures of an activity or a site: bookings cancelled free of charge."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import (
    Booking,
)
from bookings.services.base import (
    ClosureResult,
    S,
    _lock_slots,
    _save_slots,
    _save_transitions,
    _transition,
)
from catalog.models import Activity, CalendarDay, Closure, Site
from core.models import AuditEvent


def bookings_to_close(
    activities: Iterable[Activity], starts_on: date, ends_on: date
) -> QuerySet[Booking]:
    """Return the bookings a closure of these activities and days cancels (its preview too)."""
    return Booking.objects.filter(
        activity__in=activities, day_id__gte=starts_on, day_id__lte=ends_on
    ).exclude(state__in=[S.CANCELLED, S.REFUSED])


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
    on_closed: Callable[[ClosureResult], None] | None = None,
) -> ClosureResult:
    """Close an activity or a site; cancel the affected bookings free of charge.

    `on_closed` runs inside the same transaction with the result (e.g. to queue the
    families' notifications in the outbox), so both commit or roll back together.
    """
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
        affected = bookings_to_close(activities, starts_on, ends_on)
        rows = list(affected.select_related("child__family", "activity"))
        label = _("Fermeture (%(reason)s)") % {"reason": closure.get_reason_display()}
        if note:
            label = f"{label} : {note}"
        for booking in rows:
            booking.closure = closure
        events = [
            _transition(
                booking,
                S.CANCELLED,
                slots[(booking.activity_id, booking.day_id)],
                by=by,
                action="booking.closed",
                now=now,
                note=label[:500],
            )
            for booking in rows
        ]
        _save_transitions(rows, events)
        _save_slots(slots.values())
        families = {b.child.family.pk: b.child.family for b in rows}
        result = ClosureResult(
            closure=closure,
            cancelled_booking_ids=[b.pk for b in rows],
            families=sorted(families.values(), key=lambda f: f.identifier),
        )
        if on_closed is not None:
            on_closed(result)
        return result
