"""Writes to the catalogue: school years and their calendar."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.calendar import DEFAULT_SCHOOL_WEEKDAYS, seed_days
from catalog.models import CalendarDay, SchoolYear
from core.audit import record


class CalendarError(ValueError):
    """The calendar request is not possible; the message says why in French."""


def create_school_year(
    *,
    label: str,
    starts_on: date,
    ends_on: date,
    zone: str,
    by: User | None,
    school_weekdays: frozenset[int] = DEFAULT_SCHOOL_WEEKDAYS,
) -> SchoolYear:
    """Create a school year and seed its calendar for a holiday zone (staff may edit it)."""
    if zone not in {"A", "B", "C"}:
        raise CalendarError(_("Zone de vacances inconnue : choisissez A, B ou C."))
    if ends_on <= starts_on:
        raise CalendarError(_("L'année scolaire doit se terminer après son début."))
    with transaction.atomic(durable=True):
        overlapping = CalendarDay.objects.filter(date__gte=starts_on, date__lte=ends_on)
        if overlapping.exists():
            raise CalendarError(
                _("Ces dates recouvrent une année scolaire existante (%(label)s).")
                % {"label": overlapping.first().school_year.label}  # type: ignore[union-attr]
            )
        year = SchoolYear.objects.create(
            label=label, starts_on=starts_on, ends_on=ends_on, zone=zone
        )
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=day.date, school_year=year, kind=day.kind, label=day.label)
                for day in seed_days(starts_on, ends_on, zone, school_weekdays)
            ]
        )
        record(
            action="school_year.created",
            obj=year,
            by=by,
            after={
                "label": label,
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
                "zone": zone,
            },
        )
        return year
