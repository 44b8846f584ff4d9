"""Test deadline rules and booking windows without the database."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import translation

from bookings.rules import (
    PARIS,
    BookingWindow,
    DeadlineKind,
    DeadlineRule,
    check_deadline,
    check_windows,
    deadline_for,
    describe_rule,
    format_day,
    format_instant,
)

MINUTE = timedelta(minutes=1)

PUBLIC_HOLIDAYS_2026 = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    }
)
# Spring and All Saints' school holidays, Saturday to Sunday.
SCHOOL_HOLIDAYS_2026 = (
    (date(2026, 4, 4), date(2026, 4, 19)),
    (date(2026, 10, 17), date(2026, 11, 1)),
)


class FakeCalendar:
    """Answer calendar questions from fixed sets: classes on Mon, Tue, Thu and Fri."""

    def __init__(
        self,
        public_holidays: frozenset[date] = PUBLIC_HOLIDAYS_2026,
        school_holidays: tuple[tuple[date, date], ...] = SCHOOL_HOLIDAYS_2026,
    ) -> None:
        self.public_holidays = public_holidays
        self.school_holidays = school_holidays

    def is_public_holiday(self, day: date) -> bool:
        """Return whether the day is in the public holiday set."""
        return day in self.public_holidays

    def is_school_day(self, day: date) -> bool:
        """Return whether children have classes that day."""
        return (
            day.weekday() in {0, 1, 3, 4}
            and day not in self.public_holidays
            and not any(first <= day <= last for first, last in self.school_holidays)
        )


class NoSchoolCalendar(FakeCalendar):
    """Have no school day at all, as a broken calendar import would."""

    def is_school_day(self, day: date) -> bool:
        """Return False."""
        return False


CALENDAR = FakeCalendar()


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """Return an aware Paris wall-clock datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Rules from real communes (see docs/business-rules.md).
CRUAS = DeadlineRule(kind=DeadlineKind.WORKING_DAYS_BEFORE, days=2, at=time(12, 0))
RONTALON_CANCEL = DeadlineRule(
    kind=DeadlineKind.WORKING_DAYS_BEFORE, days=1, at=time(11, 0), only_school_days=True
)
VEYRAS_CANTEEN = DeadlineRule(
    kind=DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK, weekday=1, at=time(23, 59)
)
VEYRAS_AFTER_SCHOOL = DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(18, 0))
VAILHAUQUES = DeadlineRule(
    kind=DeadlineKind.PER_WEEKDAY,
    per_weekday=(
        (0, 4, time(9, 0)),
        (1, 4, time(9, 0)),
        (3, 1, time(9, 0)),
        (4, 1, time(9, 0)),
    ),
)
ARGENTEUIL = DeadlineRule(kind=DeadlineKind.DAY_OF_PREVIOUS_MONTH, days=7, at=time(0, 0))
LE_CRES = DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=8, at=time(0, 0))
ERAGNY_72_HOURS = DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=3, at=time(0, 0))
VILLES_SOEURS = DeadlineRule(kind=DeadlineKind.WORKING_DAYS_BEFORE, days=3, at=time(12, 0))
MOLLEGES = DeadlineRule(kind=DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK, weekday=4, at=time(12, 0))
NOETHYS_WEEK_S_MINUS_2 = DeadlineRule(
    kind=DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK, weekday=1, at=time(23, 59), weeks_before=2
)

EXAMPLE_RULES = [
    DeadlineRule(),
    CRUAS,
    RONTALON_CANCEL,
    VEYRAS_CANTEEN,
    VEYRAS_AFTER_SCHOOL,
    VAILHAUQUES,
    ARGENTEUIL,
    LE_CRES,
    ERAGNY_72_HOURS,
    VILLES_SOEURS,
    MOLLEGES,
    NOETHYS_WEEK_S_MINUS_2,
    DeadlineRule(
        kind=DeadlineKind.WORKING_DAYS_BEFORE,
        days=1,
        at=time(8, 30),
        skip_public_holidays=False,
        skipped_weekdays=frozenset({2}),
    ),
]

DEADLINE_CASES = [
    # Calendar days: weekends and holidays count like any other day.
    (
        "veyras_after_school_thursday",
        VEYRAS_AFTER_SCHOOL,
        date(2026, 4, 16),
        paris(2026, 4, 15, 18),
    ),
    ("veyras_after_school_monday", VEYRAS_AFTER_SCHOOL, date(2026, 4, 13), paris(2026, 4, 12, 18)),
    (
        "veyras_after_school_after_easter",
        VEYRAS_AFTER_SCHOOL,
        date(2026, 4, 7),
        paris(2026, 4, 6, 18),
    ),
    ("le_cres_8_days", LE_CRES, date(2026, 4, 13), paris(2026, 4, 5)),
    ("eragny_72_hours", ERAGNY_72_HOURS, date(2026, 4, 9), paris(2026, 4, 6)),
    (
        "same_day",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=0, at=time(9, 0)),
        date(2026, 4, 9),
        paris(2026, 4, 9, 9),
    ),
    # Cruas "J-2 week-end non compté à 12h00".
    ("cruas_monday", CRUAS, date(2026, 3, 16), paris(2026, 3, 12, 12)),
    ("cruas_tuesday", CRUAS, date(2026, 3, 17), paris(2026, 3, 13, 12)),
    ("cruas_wednesday", CRUAS, date(2026, 3, 18), paris(2026, 3, 16, 12)),
    ("cruas_thursday", CRUAS, date(2026, 3, 19), paris(2026, 3, 17, 12)),
    ("cruas_friday", CRUAS, date(2026, 3, 20), paris(2026, 3, 18, 12)),
    ("cruas_tuesday_after_easter_monday", CRUAS, date(2026, 4, 7), paris(2026, 4, 2, 12)),
    ("cruas_wednesday_after_easter_monday", CRUAS, date(2026, 4, 8), paris(2026, 4, 3, 12)),
    ("cruas_monday_after_1_may", CRUAS, date(2026, 5, 4), paris(2026, 4, 29, 12)),
    ("cruas_friday_after_ascension", CRUAS, date(2026, 5, 15), paris(2026, 5, 12, 12)),
    # School holidays are working days for Cruas: only Rontalon counts school days.
    ("cruas_first_day_back", CRUAS, date(2026, 4, 20), paris(2026, 4, 16, 12)),
    ("villes_soeurs_3_days", VILLES_SOEURS, date(2026, 3, 16), paris(2026, 3, 11, 12)),
    (
        "working_days_holidays_counted",
        DeadlineRule(
            kind=DeadlineKind.WORKING_DAYS_BEFORE,
            days=2,
            at=time(12, 0),
            skip_public_holidays=False,
        ),
        date(2026, 4, 8),
        paris(2026, 4, 6, 12),
    ),
    (
        "working_days_weekends_counted",
        DeadlineRule(
            kind=DeadlineKind.WORKING_DAYS_BEFORE, days=2, at=time(12, 0), skip_weekends=False
        ),
        date(2026, 3, 16),
        paris(2026, 3, 14, 12),
    ),
    (
        "working_days_wednesday_skipped",
        DeadlineRule(
            kind=DeadlineKind.WORKING_DAYS_BEFORE,
            days=1,
            at=time(12, 0),
            skipped_weekdays=frozenset({2}),
        ),
        date(2026, 3, 19),
        paris(2026, 3, 17, 12),
    ),
    (
        "working_days_zero_is_same_day",
        DeadlineRule(kind=DeadlineKind.WORKING_DAYS_BEFORE, days=0, at=time(8, 0)),
        date(2026, 3, 19),
        paris(2026, 3, 19, 8),
    ),
    # Rontalon cancels on the previous school day at 11:00.
    ("rontalon_monday", RONTALON_CANCEL, date(2026, 3, 23), paris(2026, 3, 20, 11)),
    ("rontalon_tuesday", RONTALON_CANCEL, date(2026, 3, 24), paris(2026, 3, 23, 11)),
    ("rontalon_thursday", RONTALON_CANCEL, date(2026, 3, 26), paris(2026, 3, 24, 11)),
    ("rontalon_friday", RONTALON_CANCEL, date(2026, 3, 27), paris(2026, 3, 26, 11)),
    ("rontalon_first_day_back", RONTALON_CANCEL, date(2026, 4, 20), paris(2026, 4, 3, 11)),
    ("rontalon_after_all_saints", RONTALON_CANCEL, date(2026, 11, 2), paris(2026, 10, 16, 11)),
    ("rontalon_friday_after_ascension", RONTALON_CANCEL, date(2026, 5, 15), paris(2026, 5, 12, 11)),
    ("rontalon_after_whit_monday", RONTALON_CANCEL, date(2026, 5, 26), paris(2026, 5, 22, 11)),
    # Veyras "jusqu'au mardi 23h59 pour la semaine suivante": one cut-off for the whole week.
    *[
        (f"veyras_canteen_{day.isoformat()}", VEYRAS_CANTEEN, day, paris(2026, 4, 7, 23, 59))
        for day in (date(2026, 4, 13) + timedelta(days=offset) for offset in range(7))
    ],
    (
        "veyras_canteen_across_new_year",
        VEYRAS_CANTEEN,
        date(2026, 1, 2),
        paris(2025, 12, 23, 23, 59),
    ),
    ("molleges_friday_noon", MOLLEGES, date(2026, 4, 15), paris(2026, 4, 10, 12)),
    (
        "noethys_week_s_minus_2",
        NOETHYS_WEEK_S_MINUS_2,
        date(2026, 4, 15),
        paris(2026, 3, 31, 23, 59),
    ),
    # Vailhauques: Friday 9:00 for Monday and Tuesday, Tuesday 9:00 for Thursday and Friday.
    ("vailhauques_monday", VAILHAUQUES, date(2026, 3, 16), paris(2026, 3, 13, 9)),
    ("vailhauques_tuesday", VAILHAUQUES, date(2026, 3, 17), paris(2026, 3, 13, 9)),
    ("vailhauques_thursday", VAILHAUQUES, date(2026, 3, 19), paris(2026, 3, 17, 9)),
    ("vailhauques_friday", VAILHAUQUES, date(2026, 3, 20), paris(2026, 3, 17, 9)),
    ("vailhauques_wednesday_uncovered", VAILHAUQUES, date(2026, 3, 18), None),
    ("vailhauques_saturday_uncovered", VAILHAUQUES, date(2026, 3, 21), None),
    (
        "per_weekday_same_weekday_is_a_week_before",
        DeadlineRule(kind=DeadlineKind.PER_WEEKDAY, per_weekday=((0, 0, time(10, 0)),)),
        date(2026, 3, 16),
        paris(2026, 3, 9, 10),
    ),
    # Argenteuil: Wednesdays booked by the 7th of the previous month.
    ("argenteuil_april", ARGENTEUIL, date(2026, 4, 8), paris(2026, 3, 7)),
    ("argenteuil_may", ARGENTEUIL, date(2026, 5, 6), paris(2026, 4, 7)),
    ("argenteuil_january", ARGENTEUIL, date(2026, 1, 7), paris(2025, 12, 7)),
    (
        "previous_month_clamped_to_february",
        DeadlineRule(kind=DeadlineKind.DAY_OF_PREVIOUS_MONTH, days=31, at=time(18, 0)),
        date(2026, 3, 4),
        paris(2026, 2, 28, 18),
    ),
    (
        "previous_month_clamped_to_leap_february",
        DeadlineRule(kind=DeadlineKind.DAY_OF_PREVIOUS_MONTH, days=30, at=time(18, 0)),
        date(2028, 3, 1),
        paris(2028, 2, 29, 18),
    ),
    ("no_deadline", DeadlineRule(), date(2026, 4, 8), None),
]


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [case[1:] for case in DEADLINE_CASES],
    ids=[case[0] for case in DEADLINE_CASES],
)
def test_deadline_for_examples(rule: DeadlineRule, day: date, expected: datetime | None) -> None:
    deadline = deadline_for(rule, day, CALENDAR)

    if expected is None:
        assert deadline is None
    else:
        assert deadline is not None
        assert deadline.tzinfo is PARIS
        assert deadline.astimezone(UTC) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [case[1:] for case in DEADLINE_CASES if case[3] is not None],
    ids=[case[0] for case in DEADLINE_CASES if case[3] is not None],
)
def test_cutoff_minute_itself_is_too_late(
    rule: DeadlineRule, day: date, expected: datetime
) -> None:
    # Arithmetic in UTC: wall-clock arithmetic on Paris datetimes is wrong across DST.
    cutoff = expected.astimezone(UTC)

    assert check_deadline(rule, day, CALENDAR, now=cutoff - MINUTE).allowed
    assert not check_deadline(rule, day, CALENDAR, now=cutoff).allowed
    assert not check_deadline(rule, day, CALENDAR, now=cutoff + MINUTE).allowed


@pytest.mark.parametrize(
    ("rule", "day"),
    [
        (DeadlineRule(), date(2026, 4, 8)),
        (VAILHAUQUES, date(2026, 3, 18)),
    ],
    ids=["no_deadline", "uncovered_weekday"],
)
def test_no_deadline_allows_even_after_the_day(rule: DeadlineRule, day: date) -> None:
    result = check_deadline(rule, day, CALENDAR, now=paris(2030, 1, 1))

    assert result.allowed
    assert result.deadline is None


def test_check_deadline_reports_the_deadline() -> None:
    result = check_deadline(CRUAS, date(2026, 4, 13), CALENDAR, now=paris(2026, 4, 9, 12))

    assert not result.allowed
    assert result.deadline == paris(2026, 4, 9, 12)


def test_working_days_without_any_counted_day_raise() -> None:
    with pytest.raises(ValueError, match="Aucun jour compté"):
        deadline_for(RONTALON_CANCEL, date(2026, 4, 13), NoSchoolCalendar())


def test_deadline_for_refuses_a_datetime_as_day() -> None:
    with pytest.raises(TypeError):
        deadline_for(CRUAS, paris(2026, 4, 13), CALENDAR)


# Daylight saving time in 2026: Sunday 29 March 02:00 → 03:00, Sunday 25 October 03:00 → 02:00.
DST_CASES = [
    # 02:30 does not exist on 29 March: fold=0 reads it at +01:00, i.e. 01:30 UTC (03:30 CEST).
    (
        "spring_gap_0230",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(2, 30)),
        date(2026, 3, 30),
        utc(2026, 3, 29, 1, 30),
    ),
    (
        "spring_gap_0230_previous_week",
        DeadlineRule(kind=DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK, weekday=6, at=time(2, 30)),
        date(2026, 4, 2),
        utc(2026, 3, 29, 1, 30),
    ),
    (
        "spring_noon_on_the_day",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(12, 0)),
        date(2026, 3, 30),
        utc(2026, 3, 29, 10, 0),
    ),
    (
        "spring_noon_the_day_before",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(12, 0)),
        date(2026, 3, 29),
        utc(2026, 3, 28, 11, 0),
    ),
    (
        "spring_0230_the_day_before",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(2, 30)),
        date(2026, 3, 29),
        utc(2026, 3, 28, 1, 30),
    ),
    ("spring_cruas_over_the_weekend", CRUAS, date(2026, 3, 31), utc(2026, 3, 27, 11, 0)),
    # 02:30 happens twice on 25 October: fold=0 is the first time, at +02:00, i.e. 00:30 UTC.
    (
        "autumn_overlap_0230",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(2, 30)),
        date(2026, 10, 26),
        utc(2026, 10, 25, 0, 30),
    ),
    (
        "autumn_overlap_0230_per_weekday",
        DeadlineRule(kind=DeadlineKind.PER_WEEKDAY, per_weekday=((0, 6, time(2, 30)),)),
        date(2026, 10, 26),
        utc(2026, 10, 25, 0, 30),
    ),
    (
        "autumn_noon_on_the_day",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(12, 0)),
        date(2026, 10, 26),
        utc(2026, 10, 25, 11, 0),
    ),
    (
        "autumn_noon_the_day_before",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(12, 0)),
        date(2026, 10, 25),
        utc(2026, 10, 24, 10, 0),
    ),
    (
        "autumn_0230_the_day_after",
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=0, at=time(2, 30)),
        date(2026, 10, 26),
        utc(2026, 10, 26, 1, 30),
    ),
]


@pytest.mark.parametrize(
    ("rule", "day", "cutoff_utc"),
    [case[1:] for case in DST_CASES],
    ids=[case[0] for case in DST_CASES],
)
def test_deadline_around_dst_changes(rule: DeadlineRule, day: date, cutoff_utc: datetime) -> None:
    deadline = deadline_for(rule, day, CALENDAR)

    assert deadline is not None
    assert deadline.fold == 0
    assert deadline.astimezone(UTC) == cutoff_utc
    assert check_deadline(rule, day, CALENDAR, now=cutoff_utc - MINUTE).allowed
    assert not check_deadline(rule, day, CALENDAR, now=cutoff_utc).allowed
    assert not check_deadline(rule, day, CALENDAR, now=cutoff_utc + MINUTE).allowed


DAY_BEFORE_AT_0230 = DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=1, at=time(2, 30))
AUTUMN_OVERLAP_DAY = date(2026, 10, 26)


def test_spring_gap_compares_instants_not_wall_clocks() -> None:
    # 03:29 CEST is 01:29 UTC, a minute before the cut-off, though 03:29 > 02:30 on the clock.
    assert check_deadline(
        DAY_BEFORE_AT_0230, date(2026, 3, 30), CALENDAR, paris(2026, 3, 29, 3, 29)
    ).allowed
    assert not check_deadline(
        DAY_BEFORE_AT_0230, date(2026, 3, 30), CALENDAR, paris(2026, 3, 29, 3, 30)
    ).allowed


def test_autumn_overlap_compares_instants_not_wall_clocks() -> None:
    # The second 02:15 (fold=1, 01:15 UTC) comes after the first 02:30 (00:30 UTC).
    second_0215 = paris(2026, 10, 25, 2, 15, fold=1)
    first_0215 = paris(2026, 10, 25, 2, 15, fold=0)

    assert check_deadline(DAY_BEFORE_AT_0230, AUTUMN_OVERLAP_DAY, CALENDAR, first_0215).allowed
    assert not check_deadline(DAY_BEFORE_AT_0230, AUTUMN_OVERLAP_DAY, CALENDAR, second_0215).allowed


def test_seventy_two_hours_are_three_calendar_days_across_dst() -> None:
    deadline = deadline_for(ERAGNY_72_HOURS, date(2026, 3, 31), CALENDAR)

    assert deadline is not None
    assert deadline == paris(2026, 3, 28)
    # Only 71 real hours before the day starts, because the night of 29 March is short.
    assert paris(2026, 3, 31).astimezone(UTC) - deadline.astimezone(UTC) == timedelta(hours=71)


def test_default_now_is_the_frozen_clock_before_the_cutoff() -> None:
    with time_machine.travel(paris(2026, 4, 9, 11, 59), tick=False):
        result = check_deadline(CRUAS, date(2026, 4, 13), CALENDAR)

    assert result.allowed
    assert result.deadline == paris(2026, 4, 9, 12)


def test_default_now_is_the_frozen_clock_at_the_cutoff() -> None:
    with time_machine.travel(paris(2026, 4, 7, 23, 59), tick=False):
        result = check_deadline(VEYRAS_CANTEEN, date(2026, 4, 17), CALENDAR)

    assert not result.allowed


@pytest.mark.parametrize(
    ("frozen_at", "allowed"),
    [(utc(2026, 3, 29, 1, 29), True), (utc(2026, 3, 29, 1, 30), False)],
    ids=["before", "at"],
)
def test_default_now_across_spring_gap(frozen_at: datetime, allowed: bool) -> None:
    with time_machine.travel(frozen_at, tick=False):
        assert check_deadline(DAY_BEFORE_AT_0230, date(2026, 3, 30), CALENDAR).allowed is allowed


@pytest.mark.parametrize(
    ("frozen_at", "allowed"),
    [
        (paris(2026, 10, 25, 2, 29, fold=0), True),
        (paris(2026, 10, 25, 2, 30, fold=0), False),
        (paris(2026, 10, 25, 2, 10, fold=1), False),
    ],
    ids=["first_0229", "first_0230", "second_0210"],
)
def test_default_now_across_autumn_overlap(frozen_at: datetime, allowed: bool) -> None:
    with time_machine.travel(frozen_at, tick=False):
        assert check_deadline(DAY_BEFORE_AT_0230, AUTUMN_OVERLAP_DAY, CALENDAR).allowed is allowed


def test_naive_now_is_rejected() -> None:
    naive = datetime(2026, 4, 9, 11, 0)  # noqa: DTZ001 - the naive value under test

    with pytest.raises(ValueError, match="« now »"):
        check_deadline(CRUAS, date(2026, 4, 13), CALENDAR, now=naive)
    with pytest.raises(ValueError, match="« now »"):
        check_windows([], date(2026, 4, 13), is_resident=True, now=naive)


# Summer ALSH: opens Sunday 31 May at 20:00 for residents, a week later for non-residents,
# closes 15 days before the holidays.
SUMMER = BookingWindow(
    first_day=date(2026, 7, 6),
    last_day=date(2026, 8, 28),
    opens_at=paris(2026, 5, 31, 20),
    closes_at=paris(2026, 6, 19),
    non_resident_opens_at=paris(2026, 6, 7, 20),
)
JULY_DAY = date(2026, 7, 15)

WINDOW_CASES = [
    ("resident_before_opening", True, paris(2026, 5, 31, 19, 59), False, "not_open"),
    ("resident_at_opening", True, paris(2026, 5, 31, 20), True, "ok"),
    ("non_resident_at_resident_opening", False, paris(2026, 5, 31, 20), False, "not_open"),
    ("non_resident_before_own_opening", False, paris(2026, 6, 7, 19, 59), False, "not_open"),
    ("non_resident_at_own_opening", False, paris(2026, 6, 7, 20), True, "ok"),
    ("resident_last_minute", True, paris(2026, 6, 18, 23, 59), True, "ok"),
    ("resident_at_closing", True, paris(2026, 6, 19), False, "closed"),
    ("non_resident_at_closing", False, paris(2026, 6, 19), False, "closed"),
    ("resident_opening_in_utc", True, utc(2026, 5, 31, 18), True, "ok"),
    ("resident_before_opening_in_utc", True, utc(2026, 5, 31, 17, 59), False, "not_open"),
]


@pytest.mark.parametrize(
    ("is_resident", "now", "allowed", "reason"),
    [case[1:] for case in WINDOW_CASES],
    ids=[case[0] for case in WINDOW_CASES],
)
def test_summer_window_for_residents_and_non_residents(
    is_resident: bool, now: datetime, allowed: bool, reason: str
) -> None:
    result = check_windows([SUMMER], JULY_DAY, is_resident=is_resident, now=now)

    assert result.allowed is allowed
    assert result.reason == reason
    assert result.closes_at == SUMMER.closes_at
    assert result.opens_at == (SUMMER.opens_at if is_resident else SUMMER.non_resident_opens_at)


def test_day_outside_every_window_is_allowed() -> None:
    result = check_windows([SUMMER], date(2026, 6, 1), is_resident=False, now=paris(2026, 1, 1))

    assert result.allowed
    assert result.reason == "ok"
    assert result.opens_at is None


def test_no_window_is_allowed() -> None:
    assert check_windows([], JULY_DAY, is_resident=True, now=paris(2026, 1, 1)).allowed


def test_a_window_still_to_come_wins_over_a_closed_one() -> None:
    early = BookingWindow(
        first_day=date(2026, 7, 1),
        last_day=date(2026, 7, 31),
        opens_at=paris(2026, 5, 1),
        closes_at=paris(2026, 5, 15),
    )
    late = BookingWindow(
        first_day=date(2026, 7, 1),
        last_day=date(2026, 7, 31),
        opens_at=paris(2026, 6, 20, 20),
        closes_at=paris(2026, 6, 30),
    )

    between = check_windows([early, late], JULY_DAY, is_resident=True, now=paris(2026, 6, 1))
    during_late = check_windows([early, late], JULY_DAY, is_resident=True, now=paris(2026, 6, 21))
    after_both = check_windows([early, late], JULY_DAY, is_resident=True, now=paris(2026, 7, 1))

    assert (between.allowed, between.reason, between.opens_at) == (
        False,
        "not_open",
        paris(2026, 6, 20, 20),
    )
    assert (during_late.allowed, during_late.reason) == (True, "ok")
    assert (after_both.allowed, after_both.reason, after_both.closes_at) == (
        False,
        "closed",
        paris(2026, 6, 30),
    )


def test_open_ended_window_has_no_bounds() -> None:
    always = BookingWindow(
        first_day=date(2026, 7, 1), last_day=date(2026, 7, 31), opens_at=None, closes_at=None
    )

    assert check_windows([always], JULY_DAY, is_resident=False, now=paris(2000, 1, 1)).allowed


def test_window_default_now_uses_the_clock() -> None:
    with time_machine.travel(paris(2026, 6, 7, 19, 59), tick=False):
        before = check_windows([SUMMER], JULY_DAY, is_resident=False)
    with time_machine.travel(paris(2026, 6, 7, 20), tick=False):
        at = check_windows([SUMMER], JULY_DAY, is_resident=False)

    assert (before.allowed, before.reason) == (False, "not_open")
    assert (at.allowed, at.reason) == (True, "ok")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_day": date(2026, 7, 1), "first_day": date(2026, 7, 2)}, "last_day"),
        ({"opens_at": datetime(2026, 5, 1, 20)}, "opens_at"),  # noqa: DTZ001 - naive under test
        ({"closes_at": paris(2026, 5, 31, 20)}, "closes_at"),
        ({"non_resident_opens_at": paris(2026, 5, 30)}, "non_resident_opens_at"),
    ],
    ids=["days_reversed", "naive_opening", "closes_before_opening", "non_residents_first"],
)
def test_inconsistent_window_is_rejected(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "first_day": SUMMER.first_day,
        "last_day": SUMMER.last_day,
        "opens_at": SUMMER.opens_at,
        "closes_at": SUMMER.closes_at,
        "non_resident_opens_at": SUMMER.non_resident_opens_at,
        **changes,
    }

    with pytest.raises(ValueError, match=f"« {field} »"):
        BookingWindow(**values)


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda rule: rule.kind.value)
def test_rule_round_trips_through_json(rule: DeadlineRule) -> None:
    data = json.loads(json.dumps(rule.to_dict()))

    assert DeadlineRule.from_dict(data) == rule


def test_to_dict_writes_times_as_hours_and_minutes() -> None:
    data = VAILHAUQUES.to_dict()

    assert data["kind"] == "per_weekday"
    assert data["at"] == "00:00"
    assert data["per_weekday"][2] == {"booked_weekday": 3, "cutoff_weekday": 1, "at": "09:00"}


def test_from_dict_fills_defaults() -> None:
    rule = DeadlineRule.from_dict({"kind": "calendar_days_before", "days": 1, "at": "18:00"})

    assert rule == VEYRAS_AFTER_SCHOOL
    assert rule.kind is DeadlineKind.CALENDAR_DAYS_BEFORE


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "kind"),
        ({"kind": "two_days_before"}, "kind"),
        ({"kind": "calendar_days_before", "days": -1}, "days"),
        ({"kind": "calendar_days_before", "days": "2"}, "days"),
        ({"kind": "calendar_days_before", "days": True}, "days"),
        ({"kind": "calendar_days_before", "days": 400}, "days"),
        ({"kind": "day_of_previous_month", "days": 0}, "days"),
        ({"kind": "day_of_previous_month", "days": 32}, "days"),
        ({"kind": "calendar_days_before", "at": "25:00"}, "at"),
        ({"kind": "calendar_days_before", "at": "09:60"}, "at"),
        ({"kind": "calendar_days_before", "at": "9h00"}, "at"),
        ({"kind": "calendar_days_before", "at": 900}, "at"),
        ({"kind": "weekday_of_previous_week", "weekday": 7}, "weekday"),
        ({"kind": "weekday_of_previous_week", "weekday": -1}, "weekday"),
        ({"kind": "weekday_of_previous_week", "weeks_before": 0}, "weeks_before"),
        ({"kind": "working_days_before", "skip_weekends": "yes"}, "skip_weekends"),
        ({"kind": "working_days_before", "only_school_days": 1}, "only_school_days"),
        ({"kind": "working_days_before", "skipped_weekdays": [0, 9]}, "skipped_weekdays"),
        ({"kind": "working_days_before", "skipped_weekdays": "0,1"}, "skipped_weekdays"),
        (
            {"kind": "working_days_before", "days": 1, "skipped_weekdays": [0, 1, 2, 3, 4]},
            "skipped_weekdays",
        ),
        ({"kind": "per_weekday", "per_weekday": []}, "per_weekday"),
        ({"kind": "per_weekday", "per_weekday": {"0": "4"}}, "per_weekday"),
        (
            {
                "kind": "per_weekday",
                "per_weekday": [{"booked_weekday": 0, "cutoff_weekday": 7, "at": "09:00"}],
            },
            "per_weekday[0].cutoff_weekday",
        ),
        (
            {"kind": "per_weekday", "per_weekday": [{"booked_weekday": 0, "cutoff_weekday": 4}]},
            "per_weekday[0]",
        ),
        (
            {
                "kind": "per_weekday",
                "per_weekday": [{"booked_weekday": 0, "cutoff_weekday": 4, "at": "9:00"}],
            },
            "per_weekday[0].at",
        ),
        (
            {
                "kind": "per_weekday",
                "per_weekday": [
                    {"booked_weekday": 0, "cutoff_weekday": 4, "at": "09:00"},
                    {"booked_weekday": 0, "cutoff_weekday": 3, "at": "09:00"},
                ],
            },
            "per_weekday",
        ),
        ({"kind": "calendar_days_before", "delay": 2}, "delay"),
    ],
)
def test_from_dict_rejects_bad_data_naming_the_field(data: dict[str, Any], field: str) -> None:
    with translation.override("fr"), pytest.raises(ValueError, match=re.escape(f"« {field} »")):
        DeadlineRule.from_dict(data)


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(ValueError, match="règle de délai"):
        DeadlineRule.from_dict(["calendar_days_before"])  # type: ignore[arg-type]


def test_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="« days »"):
        DeadlineRule(kind=DeadlineKind.DAY_OF_PREVIOUS_MONTH)
    with pytest.raises(ValueError, match="« at »"):
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, at=time(12, 0, 30))


def test_constructor_accepts_a_stored_kind_string() -> None:
    rule = DeadlineRule(kind="per_weekday", per_weekday=((0, 4, time(9, 0)),))  # type: ignore[arg-type]

    assert rule.kind is DeadlineKind.PER_WEEKDAY


DESCRIPTIONS = [
    (DeadlineRule(), "Sans délai"),
    (VEYRAS_AFTER_SCHOOL, "la veille avant 18h00"),
    (
        DeadlineRule(kind=DeadlineKind.CALENDAR_DAYS_BEFORE, days=0, at=time(9, 0)),
        "le jour même avant 09h00",
    ),
    (LE_CRES, "8 jours avant, avant 00h00"),
    (CRUAS, "2 jours ouvrés avant, avant 12h00 (week-ends et jours fériés non comptés)"),
    (RONTALON_CANCEL, "1 jour de classe avant, avant 11h00"),
    (
        DeadlineRule(
            kind=DeadlineKind.WORKING_DAYS_BEFORE,
            days=1,
            at=time(12, 0),
            skipped_weekdays=frozenset({2, 6}),
        ),
        "1 jour ouvré avant, avant 12h00 (week-ends, jours fériés et mercredis non comptés)",
    ),
    (
        DeadlineRule(
            kind=DeadlineKind.WORKING_DAYS_BEFORE,
            days=2,
            at=time(12, 0),
            skip_weekends=False,
            skip_public_holidays=False,
        ),
        "2 jours avant, avant 12h00",
    ),
    (VEYRAS_CANTEEN, "jusqu'au mardi 23h59 de la semaine précédente"),
    (NOETHYS_WEEK_S_MINUS_2, "jusqu'au mardi 23h59, 2 semaines avant"),
    (
        VAILHAUQUES,
        "pour le lundi et le mardi : le vendredi précédent avant 09h00 ; "
        "pour le jeudi et le vendredi : le mardi précédent avant 09h00",
    ),
    (ARGENTEUIL, "avant le 7 du mois précédent à 00h00"),
    (
        DeadlineRule(kind=DeadlineKind.DAY_OF_PREVIOUS_MONTH, days=1, at=time(18, 0)),
        "avant le 1er du mois précédent à 18h00",
    ),
]


@pytest.mark.parametrize(
    ("rule", "expected"), DESCRIPTIONS, ids=[expected[:40] for _rule, expected in DESCRIPTIONS]
)
def test_describe_rule_in_french(rule: DeadlineRule, expected: str) -> None:
    with translation.override("fr"):
        assert describe_rule(rule) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 14), "mardi 14 avril 2026"),
        (date(2026, 4, 1), "mercredi 1er avril 2026"),
        (date(2026, 8, 15), "samedi 15 août 2026"),
        (date(2027, 2, 28), "dimanche 28 février 2027"),
    ],
)
def test_format_day_in_french(day: date, expected: str) -> None:
    with translation.override("fr"):
        assert format_day(day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (paris(2026, 4, 9, 12), "jeudi 9 avril à 12h00"),
        (utc(2026, 4, 9, 10), "jeudi 9 avril à 12h00"),
        (utc(2026, 1, 1, 8, 5), "jeudi 1er janvier à 09h05"),
        # The spring gap's 02:30 is the instant the clocks show 03:30.
        (paris(2026, 3, 29, 2, 30), "dimanche 29 mars à 03h30"),
        (utc(2026, 10, 25, 0, 30), "dimanche 25 octobre à 02h30"),
        (utc(2026, 10, 25, 1, 30), "dimanche 25 octobre à 02h30"),
    ],
)
def test_format_instant_in_paris_time(moment: datetime, expected: str) -> None:
    with translation.override("fr"):
        assert format_instant(moment) == expected


def test_format_instant_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="« moment »"):
        format_instant(datetime(2026, 4, 9, 12))  # noqa: DTZ001 - the naive value under test


def test_deadline_kind_labels_are_french() -> None:
    with translation.override("fr"):
        assert str(DeadlineKind.NONE.label) == "Sans délai"
    assert DeadlineKind("working_days_before") is DeadlineKind.WORKING_DAYS_BEFORE
