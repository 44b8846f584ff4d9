"""Seed a school year's calendar from the official data shipped in Python packages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from jours_feries_france import JoursFeries
from vacances_scolaires_france import SchoolHolidayDates

from catalog.models import DayKind

DEFAULT_SCHOOL_WEEKDAYS = frozenset({0, 1, 3, 4})  # the four-day week most communes run


@dataclass(frozen=True)
class SeedDay:
    """A day as the shipped data describes it, before staff corrections."""

    date: date
    kind: DayKind
    label: str


def public_holidays(year: int) -> dict[date, str]:
    """Return metropolitan France's public holidays for a civil year, with their names."""
    return {day: name for name, day in JoursFeries.for_year(year).items()}


def school_holidays(first: date, last: date, zone: str) -> dict[date, str]:
    """Return the school-holiday days of a zone between two dates, with the holiday's name."""
    dates = SchoolHolidayDates()
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, row in dates.holidays_for_year_and_zone(year, zone).items():
            if first <= day <= last:
                found[day] = row["nom_vacances"]
    return found


def seed_days(
    first: date,
    last: date,
    zone: str,
    school_weekdays: frozenset[int] = DEFAULT_SCHOOL_WEEKDAYS,
) -> Iterator[SeedDay]:
    """Yield every day from `first` to `last` with its kind for the given zone."""
    holidays: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        holidays.update(public_holidays(year))
    vacations = school_holidays(first, last, zone)
    day = first
    while day <= last:
        if day in holidays:
            yield SeedDay(day, DayKind.PUBLIC_HOLIDAY, holidays[day])
        elif day.weekday() >= 5:
            yield SeedDay(day, DayKind.WEEKEND, "")
        elif day in vacations:
            yield SeedDay(day, DayKind.SCHOOL_HOLIDAY, vacations[day])
        elif day.weekday() in school_weekdays:
            yield SeedDay(day, DayKind.SCHOOL_DAY, "")
        else:
            yield SeedDay(day, DayKind.NO_SCHOOL, "")
        day += timedelta(days=1)
