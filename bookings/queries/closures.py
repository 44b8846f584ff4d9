"""Reads of the closures screens: what a closure would cancel, the list, one closure's detail.

Every function runs a constant number of queries whatever the number of closures, bookings
and families.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from bookings.models import Booking, BookingState
from bookings.services.closures import bookings_to_close
from catalog.models import Activity, Closure, Site
from families.models import Family
from notifications.models import Notification
from notifications.queries import NotificationCounts, counts_by_object, notifications_about

S = BookingState
CLOSURE_TYPE = Closure._meta.label_lower
PAST_SHOWN = 50


def closures_for(activities: QuerySet[Activity], sites: QuerySet[Site]) -> QuerySet[Closure]:
    """Return the closures of the given activities or sites (an agent's scope)."""
    return Closure.objects.filter(Q(activity__in=activities) | Q(site__in=sites)).select_related(
        "activity__site", "site", "created_by"
    )


# ---------------------------------------------------------------------------------------------
# Before closing: what would be cancelled


@dataclass(frozen=True)
class PreviewDay:
    """The bookings of one activity on one day that a closure would cancel."""

    day: date
    activity: str
    bookings: int


@dataclass(frozen=True)
class ClosurePreview:
    """What closing would do: bookings cancelled, families told, families to phone."""

    bookings: int
    families: int
    families_without_email: int
    days: list[PreviewDay]


def closure_preview(
    *, activity: Activity | None, site: Site | None, starts_on: date, ends_on: date
) -> ClosurePreview:
    """Count the bookings and families a closure of these days would cancel (3 queries)."""
    activities = [activity] if activity else Activity.objects.filter(site=site)
    affected = bookings_to_close(activities, starts_on, ends_on)
    days = [
        PreviewDay(day=row["day_id"], activity=row["activity__name"], bookings=row["n"])
        for row in affected.values("day_id", "activity__name")
        .annotate(n=Count("pk"))
        .order_by("day_id", "activity__name")
    ]
    families = Family.objects.filter(pk__in=affected.values("child__family_id"))
    return ClosurePreview(
        bookings=sum(d.bookings for d in days),
        families=families.count(),
        families_without_email=families.exclude(guardians__email__gt="").count(),
        days=days,
    )


# ---------------------------------------------------------------------------------------------
# The list


@dataclass(frozen=True)
class ClosureRow:
    """One line of the closures list."""

    closure: Closure
    cancelled: int
    notifications: NotificationCounts


@dataclass(frozen=True)
class ClosureList:
    """Closures still to come (or under way), then the most recent past ones."""

    upcoming: list[ClosureRow]
    past: list[ClosureRow]
    past_shown: int = PAST_SHOWN


def closure_list(closures: QuerySet[Closure], *, today: date) -> ClosureList:
    """Return the closures with their cancelled bookings and messages (4 queries)."""
    upcoming = list(closures.filter(ends_on__gte=today).order_by("starts_on", "pk"))
    past = list(closures.filter(ends_on__lt=today).order_by("-starts_on", "-pk")[:PAST_SHOWN])
    every = upcoming + past
    cancelled = _cancelled_counts(every)
    messages = counts_by_object(CLOSURE_TYPE, [c.pk for c in every])

    def row(closure: Closure) -> ClosureRow:
        return ClosureRow(
            closure=closure,
            cancelled=cancelled.get(closure.pk, 0),
            notifications=messages.get(str(closure.pk), NotificationCounts()),
        )

    return ClosureList(upcoming=[row(c) for c in upcoming], past=[row(c) for c in past])


def _cancelled_counts(closures: list[Closure]) -> dict[int, int]:
    """Count the bookings each closure cancelled, for many closures in one query."""
    if not closures:
        return {}
    groups = (
        Booking.objects.filter(closure__in=closures, state=S.CANCELLED)
        .values("closure_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {group["closure_id"]: group["n"] for group in groups}


# ---------------------------------------------------------------------------------------------
# One closure


@dataclass(frozen=True)
class CancelledLine:
    """One cancelled booking: which child, which activity, which day."""

    booking_id: int
    child: str
    activity: str
    day: date


@dataclass
class FamilyBookings:
    """A family the closure touched, with its cancelled bookings."""

    family: Family
    lines: list[CancelledLine] = field(default_factory=list)


@dataclass(frozen=True)
class ClosureDetail:
    """A closure, the bookings it cancelled by family, and the messages sent about it."""

    closure: Closure
    families: list[FamilyBookings]
    notifications: list[Notification]
    counts: NotificationCounts

    @property
    def cancelled(self) -> int:
        return sum(len(f.lines) for f in self.families)

    @property
    def failed(self) -> list[Notification]:
        return [n for n in self.notifications if n.status == Notification.Status.FAILED]


def closure_detail(closure: Closure) -> ClosureDetail:
    """Return what one closure did (3 queries)."""
    bookings = (
        cancelled_by(closure)
        .select_related("child__family", "activity")
        .order_by("child__family__name", "child__family__identifier", "child__first_name", "day_id")
    )
    families: dict[int, FamilyBookings] = {}
    for booking in bookings:
        family = booking.child.family
        entry = families.setdefault(family.pk, FamilyBookings(family))
        entry.lines.append(
            CancelledLine(
                booking_id=booking.pk,
                child=booking.child.first_name,
                activity=booking.activity.name,
                day=booking.day_id,
            )
        )
    notifications = notifications_about(CLOSURE_TYPE, closure.pk)
    tally: dict[str, int] = defaultdict(int)
    for notification in notifications:
        tally[notification.status] += 1
    return ClosureDetail(
        closure=closure,
        families=list(families.values()),
        notifications=notifications,
        counts=NotificationCounts(**tally),
    )


def cancelled_by(closure: Closure) -> QuerySet[Booking]:
    """Return the bookings a closure cancelled (still cancelled)."""
    return closure.cancelled_bookings.filter(state=S.CANCELLED)


def closable_sites(sites: QuerySet[Site], activities: QuerySet[Activity]) -> QuerySet[Site]:
    """Return the sites among `sites` all of whose activities are in `activities`.

    Closing a site cancels every activity it hosts, so an agent may close only a site whose
    activities are all theirs (a school agent never cancels the crèche next door).
    """
    foreign = Activity.objects.exclude(pk__in=activities.values("pk")).values("site")
    return sites.exclude(pk__in=foreign)
