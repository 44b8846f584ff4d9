"""Reads of the catalogue and calendar shared by services and views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from catalog.calendar import public_holidays
from catalog.models import Activity, BookingWindow, CalendarDay, Closure, DayKind

# Deadlines look back at most about two months (day D of the previous month, S-2 weeks…).
DEADLINE_LOOKBACK = timedelta(days=70)


@dataclass
class CalendarSpan:
    """The stored calendar over a span of days, usable by the pure deadline rules."""

    kinds: dict[date, str]
    labels: dict[date, str]
    school_year_ids: dict[date, int]
    _holiday_cache: dict[int, set[date]] = field(default_factory=dict)

    def kind(self, day: date) -> str | None:
        """Return the stored kind of a day, or None outside the stored calendar."""
        return self.kinds.get(day)

    def is_public_holiday(self, day: date) -> bool:
        """Tell whether a day is a public holiday (stored, or computed outside the calendar)."""
        stored = self.kinds.get(day)
        if stored is not None:
            return stored == DayKind.PUBLIC_HOLIDAY
        if day.year not in self._holiday_cache:
            self._holiday_cache[day.year] = set(public_holidays(day.year))
        return day in self._holiday_cache[day.year]

    def is_school_day(self, day: date) -> bool:
        """Tell whether children have class that day."""
        stored = self.kinds.get(day)
        if stored is not None:
            return stored == DayKind.SCHOOL_DAY
        return day.weekday() in {0, 1, 3, 4} and not self.is_public_holiday(day)


def calendar_span(first: date, last: date) -> CalendarSpan:
    """Load the stored calendar from before `first` (for deadlines) to `last`, in one query."""
    rows = CalendarDay.objects.filter(date__gte=first - DEADLINE_LOOKBACK, date__lte=last)
    kinds: dict[date, str] = {}
    labels: dict[date, str] = {}
    years: dict[date, int] = {}
    for day, kind, label, year_id in rows.values_list("date", "kind", "label", "school_year_id"):
        kinds[day] = kind
        labels[day] = label
        years[day] = year_id
    return CalendarSpan(kinds=kinds, labels=labels, school_year_ids=years)


@dataclass(frozen=True)
class ClosureIndex:
    """Closures over a span, answering « is this activity closed that day? » in memory."""

    by_activity: dict[int, list[Closure]]
    by_site: dict[int, list[Closure]]

    def closure_for(self, activity: Activity, day: date) -> Closure | None:
        """Return the closure that shuts `activity` on `day`, if any."""
        for closure in self.by_activity.get(activity.pk, []) + self.by_site.get(
            activity.site_id, []
        ):
            if closure.starts_on <= day <= closure.ends_on:
                return closure
        return None


def closure_index(first: date, last: date) -> ClosureIndex:
    """Load the closures overlapping a span in one query."""
    by_activity: dict[int, list[Closure]] = defaultdict(list)
    by_site: dict[int, list[Closure]] = defaultdict(list)
    for closure in Closure.objects.filter(starts_on__lte=last, ends_on__gte=first):
        if closure.activity_id is not None:
            by_activity[closure.activity_id].append(closure)
        elif closure.site_id is not None:
            by_site[closure.site_id].append(closure)
    return ClosureIndex(by_activity=dict(by_activity), by_site=dict(by_site))


def windows_by_activity(activity_ids: set[int], first: date, last: date) -> dict[int, list]:
    """Load the booking windows of some activities overlapping a span, in one query."""
    found: dict[int, list] = defaultdict(list)
    rows = BookingWindow.objects.filter(
        activity_id__in=activity_ids, first_day__lte=last, last_day__gte=first
    )
    for window in rows:
        found[window.activity_id].append(window.as_window())
    return dict(found)
