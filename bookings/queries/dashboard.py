"""The back-office dashboard: today's attendance, pending requests, coming capacity, closures.

Everything is read for an agent's scope in a constant number of queries: figures are counted
by the database; the few rows read (activities, capacity counters, closures) do not grow
with the number of children.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingState, Presence, Slot
from bookings.queries.headcount import monday_of
from bookings.rules import collation_key
from bookings.states import HOLDS_PLACE
from catalog.models import Activity, CalendarDay, Closure, DayKind, Site
from catalog.queries import ClosureIndex, closure_index

S = BookingState
CAPACITY_WEEKS = 4
UPCOMING_CLOSURES = 8


@dataclass(frozen=True)
class ActivityToday:
    """One activity today: who is expected and what the pointage says so far."""

    activity: Activity
    expected: int = 0
    present: int = 0
    absent: int = 0
    unmarked: int = 0
    closed: str = ""  # « Fermée : grève » when a closure or a public holiday shuts it


@dataclass(frozen=True)
class SiteToday:
    """The activities of one site that take place (or were due to) today."""

    site: Site
    activities: list[ActivityToday]


@dataclass(frozen=True)
class PendingCounts:
    """Requests waiting for the service, by kind."""

    requested: int = 0
    absence_requested: int = 0
    waiting_list: int = 0

    @property
    def total(self) -> int:
        """Return all pending requests."""
        return self.requested + self.absence_requested + self.waiting_list


@dataclass(frozen=True)
class WeekUse:
    """The busiest day of an activity in one week: places taken out of its capacity."""

    monday: date
    busiest_day: date | None  # None when the activity does not run that week
    taken: int
    capacity: int

    @property
    def runs(self) -> bool:
        """Tell whether the activity runs at least one day that week."""
        return self.busiest_day is not None


@dataclass(frozen=True)
class CapacityRow:
    """An activity with a capacity, over the coming weeks."""

    activity: Activity
    weeks: list[WeekUse]


@dataclass(frozen=True)
class Dashboard:
    """What an agent sees first at /gestion/."""

    today: date
    sites: list[SiteToday]
    not_running: int  # activities of the scope that do not take place today
    pending: PendingCounts
    mondays: list[date]
    capacity: list[CapacityRow]
    closures: list[Closure]
    has_activities: bool


def _closed_reason(
    activity: Activity, day: date, kind: str | None, label: str, closures: ClosureIndex
) -> str | None:
    """Return why a running activity is shut today, "" when it runs, None when not due."""
    if kind == DayKind.PUBLIC_HOLIDAY:
        return (
            _("Fermée : jour férié (%(label)s)") % {"label": label}
            if label
            else _("Fermée : jour férié")
        )
    if kind is None or not activity.runs_on(day, kind):
        return None
    closure = closures.closure_for(activity, day)
    if closure is None:
        return ""
    reason = str(closure.get_reason_display())
    text = reason[:1].lower() + reason[1:]
    if closure.note:
        text = f"{text} ({closure.note})"
    return _("Fermée : %(reason)s") % {"reason": text}


def _today(
    activities: list[Activity], today: date, calendar: dict[date, CalendarDay], closures
) -> tuple[list[SiteToday], int]:
    """Count today's expected, present, absent and unmarked children per activity."""
    holds = Q(state__in=HOLDS_PLACE)
    rows = (
        Booking.objects.filter(activity__in=[a.pk for a in activities], day_id=today)
        .values("activity_id")
        .annotate(
            expected=Count("pk", filter=holds),
            present=Count("pk", filter=holds & Q(presence=Presence.PRESENT)),
            absent=Count("pk", filter=holds & Q(presence=Presence.ABSENT)),
            unmarked=Count("pk", filter=holds & Q(presence=Presence.UNKNOWN)),
        )
        .order_by()
    )
    figures = {row.pop("activity_id"): row for row in rows}
    calendar_day = calendar.get(today)
    kind = calendar_day.kind if calendar_day else None
    label = calendar_day.label if calendar_day else ""
    sites: list[SiteToday] = []
    not_running = 0
    for activity in activities:
        closed = _closed_reason(activity, today, kind, label, closures)
        if closed is None:
            not_running += 1
            continue
        if not sites or sites[-1].site.pk != activity.site_id:
            sites.append(SiteToday(site=activity.site, activities=[]))
        sites[-1].activities.append(
            ActivityToday(activity=activity, closed=closed, **figures.get(activity.pk, {}))
        )
    return sites, not_running


def _pending(activities: list[Activity], today: date) -> PendingCounts:
    """Count pending requests; a waiting list only matters for days still to come."""
    counts = Booking.objects.filter(
        activity__in=[a.pk for a in activities],
        state__in=[S.REQUESTED, S.ABSENCE_REQUESTED, S.WAITING_LIST],
    ).aggregate(
        requested=Count("pk", filter=Q(state=S.REQUESTED)),
        absence_requested=Count("pk", filter=Q(state=S.ABSENCE_REQUESTED)),
        waiting_list=Count("pk", filter=Q(state=S.WAITING_LIST, day_id__gte=today)),
    )
    return PendingCounts(**counts)


def _capacity(
    activities: list[Activity],
    mondays: list[date],
    calendar: dict[date, CalendarDay],
    closures: ClosureIndex,
) -> list[CapacityRow]:
    """Return the busiest day per week of each activity that has a capacity."""
    limited = [a for a in activities if a.capacity]
    if not limited:
        return []
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    taken: dict[tuple[int, date], tuple[int, int | None]] = {
        (activity_id, day): (count, capacity)
        for activity_id, day, count, capacity in Slot.objects.filter(
            activity_id__in=[a.pk for a in limited], day_id__gte=first, day_id__lte=last
        ).values_list("activity_id", "day_id", "taken", "capacity")
    }
    rows = []
    for activity in limited:
        weeks = []
        for monday in mondays:
            best: tuple[int, int, date] | None = None
            for offset in range(7):
                day = monday + timedelta(days=offset)
                calendar_day = calendar.get(day)
                if (
                    calendar_day is None
                    or calendar_day.kind == DayKind.PUBLIC_HOLIDAY
                    or not activity.runs_on(day, calendar_day.kind)
                    or closures.closure_for(activity, day) is not None
                ):
                    continue
                count, capacity = taken.get((activity.pk, day), (0, None))
                capacity = capacity or activity.capacity or 0
                if best is None or count * best[1] > best[0] * capacity:
                    best = (count, capacity, day)
            if best is None:
                weeks.append(WeekUse(monday, None, 0, activity.capacity or 0))
            else:
                weeks.append(WeekUse(monday, best[2], best[0], best[1]))
        rows.append(CapacityRow(activity=activity, weeks=weeks))
    return rows


def dashboard(user: User, today: date) -> Dashboard:
    """Return `user`'s dashboard for `today` in a constant number of queries."""
    from backoffice.permissions import activities_for

    activities = sorted(activities_for(user), key=lambda a: collation_key(a.site.name))
    mondays = [monday_of(today) + timedelta(weeks=i) for i in range(CAPACITY_WEEKS)]
    if not activities:
        return Dashboard(today, [], 0, PendingCounts(), mondays, [], [], has_activities=False)
    last = mondays[-1] + timedelta(days=6)
    calendar = {d.date: d for d in CalendarDay.objects.filter(date__gte=today, date__lte=last)}
    closures = closure_index(today, last)
    sites, not_running = _today(activities, today, calendar, closures)
    site_ids = {a.site_id for a in activities}
    activity_ids = [a.pk for a in activities]
    # A site closure shuts every activity there, even those outside the agent's scope.
    upcoming = list(
        Closure.objects.filter(ends_on__gte=today)
        .filter(Q(activity_id__in=activity_ids) | Q(site_id__in=site_ids))
        .select_related("activity__site", "site")
        .order_by("starts_on", "pk")[:UPCOMING_CLOSURES]
    )
    return Dashboard(
        today=today,
        sites=sites,
        not_running=not_running,
        pending=_pending(activities, today),
        mondays=mondays,
        capacity=_capacity(activities, mondays, calendar, closures),
        closures=upcoming,
        has_activities=True,
    )
