"""Weekly patterns (« semaine type », « Régulier »)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import (
    BookingSource,
    Enrolment,
    WeeklyPattern,
)
from bookings.services.base import (
    BookingRequest,
    DayResult,
)
from bookings.services.requests import _request_bookings
from catalog.models import Activity, CalendarDay
from core.models import AuditEvent
from families.models import Child

# ---------------------------------------------------------------------------------------------
# Weekly patterns, closures, attendance


def apply_weekly_pattern(
    *,
    enrolment: Enrolment,
    weekdays: Iterable[int],
    starts_on: date,
    ends_on: date | None = None,
    by: User | None,
    source: str = BookingSource.PATTERN,
    now: datetime | None = None,
) -> tuple[WeeklyPattern, list[DayResult]]:
    """Book the chosen weekdays of every running day of a period; report per day."""
    chosen = sorted(set(weekdays))
    if not chosen or any(not 0 <= w <= 6 for w in chosen):
        raise BookingError(_("Choisissez au moins un jour de la semaine (lundi à dimanche)."))
    now = now or timezone.now()
    year = enrolment.school_year
    last = min(d for d in (ends_on, year.ends_on, enrolment.ends_on) if d is not None)
    first = max(
        d
        for d in (starts_on, year.starts_on, enrolment.starts_on, timezone.localdate(now))
        if d is not None
    )
    if first > last:
        raise BookingError(
            _(
                "La période du %(first)s au %(last)s est vide ou déjà passée : choisissez des "
                "dates dans l'année scolaire %(year)s."
            )
            % {
                "first": rules.format_day(starts_on),
                "last": rules.format_day(last),
                "year": year.label,
            }
        )
    activity = Activity.objects.select_related("booking_rule", "site").get(pk=enrolment.activity_id)
    child = Child.objects.select_related("family").get(pk=enrolment.child_id)
    running = CalendarDay.objects.filter(
        date__gte=first, date__lte=last, kind__in=activity.day_kinds
    ).values_list("date", flat=True)
    days = [d for d in running if d.weekday() in chosen and d.weekday() in activity.weekdays]
    with transaction.atomic(durable=True):
        pattern = WeeklyPattern.objects.create(
            enrolment=enrolment, weekdays=chosen, starts_on=first, ends_on=last
        )
        AuditEvent.objects.create(
            action="pattern.applied",
            object_type="bookings.weeklypattern",
            object_id=str(pattern.pk),
            actor=by,
            family_id=child.family_id,
            after={
                "weekdays": chosen,
                "starts_on": str(first),
                "ends_on": str(last),
                "enrolment": enrolment.pk,
            },
        )
        requests = [BookingRequest(child=child, activity=activity, day=d) for d in days]
        results = (
            _request_bookings(
                requests=requests,
                by=by,
                source=source,
                all_or_nothing=False,
                deadline_override="",
                now=now,
            )
            if requests
            else []
        )
        return pattern, results
