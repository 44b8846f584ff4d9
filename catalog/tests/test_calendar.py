"""The school calendar seeded from official data for a zone, and deadline rules' config."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from catalog.models import CalendarDay, DayKind, DeadlineRule
from catalog.services import CalendarError, create_school_year


def kind(day: date) -> str:
    return CalendarDay.objects.get(date=day).kind


def test_zone_c_school_year_2025_2026(school_year):
    assert CalendarDay.objects.filter(school_year=school_year).count() == 365
    assert kind(date(2025, 9, 1)) == DayKind.SCHOOL_DAY  # rentrée, Monday
    assert kind(date(2025, 9, 3)) == DayKind.NO_SCHOOL  # Wednesday
    assert kind(date(2025, 9, 6)) == DayKind.WEEKEND
    assert kind(date(2025, 10, 20)) == DayKind.SCHOOL_HOLIDAY  # Toussaint
    assert CalendarDay.objects.get(date=date(2025, 10, 20)).label == "Vacances de la Toussaint"
    assert kind(date(2025, 11, 11)) == DayKind.PUBLIC_HOLIDAY
    assert CalendarDay.objects.get(date=date(2025, 12, 25)).label == "Jour de Noël"
    assert kind(date(2026, 4, 6)) == DayKind.PUBLIC_HOLIDAY  # Lundi de Pâques
    assert kind(date(2026, 4, 14)) == DayKind.SCHOOL_DAY
    assert kind(date(2026, 4, 20)) == DayKind.SCHOOL_HOLIDAY  # printemps, zone C
    assert kind(date(2026, 7, 15)) == DayKind.SCHOOL_HOLIDAY


def test_zones_differ(db):
    year = create_school_year(
        label="B", starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31), zone="B", by=None
    )
    # Winter holidays: zone B from 14 February 2026, zone C from 21 February 2026.
    assert CalendarDay.objects.get(date=date(2026, 2, 16), school_year=year).kind == (
        DayKind.SCHOOL_HOLIDAY
    )


def test_school_years_cannot_overlap(school_year):
    with pytest.raises(CalendarError, match="recouvrent une année scolaire existante"):
        create_school_year(
            label="bis", starts_on=date(2026, 8, 1), ends_on=date(2027, 7, 31), zone="C", by=None
        )


def test_bad_zone(db):
    with pytest.raises(CalendarError, match="Zone de vacances inconnue"):
        create_school_year(
            label="x", starts_on=date(2030, 9, 1), ends_on=date(2031, 8, 31), zone="D", by=None
        )


def test_deadline_rule_row_describes_itself_and_validates(db):
    rule = DeadlineRule(name="Veyras", kind="weekday_of_previous_week", weekday=1, at=time(23, 59))
    rule.full_clean()
    assert "mardi" in rule.description
    broken = DeadlineRule(name="x", kind="day_of_previous_month", days=0)
    with pytest.raises(ValidationError):
        broken.full_clean()
