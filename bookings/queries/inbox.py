"""Reads of the back-office request inbox: pending requests, waiting lists, places left.

Every list runs a constant number of queries whatever the number of rows: the rows with their
child, family, activity and site in one query, the day's places taken as a subquery, the
waiting-list ranks of the page in one more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import rules
from bookings.models import Booking, BookingState, Slot
from catalog.models import Activity

S = BookingState

# What waits for a decision of the service, in the order the filter offers them.
PENDING = (S.REQUESTED, S.ABSENCE_REQUESTED, S.WAITING_LIST)
KIND_LABELS = {
    S.REQUESTED: _("Réservation"),
    S.ABSENCE_REQUESTED: _("Absence"),
    S.WAITING_LIST: _("Liste d'attente"),
}
PER_PAGE = 100


@dataclass(frozen=True)
class InboxFilters:
    """What the agent narrowed the inbox to (all optional)."""

    activity_id: int | None = None
    site_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    family: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Places:
    """The places of one activity on one day."""

    capacity: int | None
    taken: int

    @property
    def remaining(self) -> int | None:
        """Return the free places (None when the activity has no limit)."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        """Tell whether no place is left."""
        return self.remaining == 0


@dataclass(frozen=True)
class InboxRow:
    """One pending request as the inbox shows it."""

    booking_id: int
    child_name: str
    class_level: str
    family_id: int
    family_identifier: str
    family_name: str
    activity_id: int
    activity_name: str
    site_name: str
    day: date
    day_label: str
    kind: str
    kind_label: str
    asked_at: datetime | None
    is_late: bool
    absence_reason: str
    absence_note: str
    has_proof: bool
    places: Places
    rank: int | None

    @property
    def is_pending(self) -> bool:
        """Tell whether the request still waits for a decision."""
        return self.kind in PENDING

    @property
    def is_absence(self) -> bool:
        """Tell whether the request is an absence (refusing it bills the day)."""
        return self.kind == S.ABSENCE_REQUESTED

    @property
    def is_waiting_list(self) -> bool:
        """Tell whether the row is a waiting-list place (linked to its day's list)."""
        return self.kind == S.WAITING_LIST

    @property
    def summary(self) -> str:
        """Return « Léa DUPONT, Restauration scolaire, jeudi 2 avril 2026 » for labels."""
        return f"{self.child_name}, {self.activity_name}, {self.day_label}"


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox."""

    rows: list[InboxRow]
    total: int
    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        """Tell whether an earlier page exists."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Tell whether a later page exists."""
        return self.number < self.num_pages


@dataclass(frozen=True)
class WaitingEntry:
    """One child on a day's waiting list."""

    booking_id: int
    rank: int
    child_name: str
    class_level: str
    family_id: int
    family_identifier: str
    family_name: str
    since: datetime
    is_late: bool


@dataclass(frozen=True)
class WaitingList:
    """The waiting list of an activity on a day, oldest first, with the day's places."""

    activity: Activity
    day: date
    day_label: str
    places: Places
    entries: list[WaitingEntry]

    @property
    def can_promote(self) -> bool:
        """Tell whether a place is free for someone waiting."""
        return bool(self.entries) and not self.places.is_full


def _taken_subquery() -> Subquery:
    return Subquery(
        Slot.objects.filter(activity_id=OuterRef("activity_id"), day_id=OuterRef("day_id")).values(
            "taken"
        )[:1]
    )


def pending_requests(
    activities: QuerySet[Activity], filters: InboxFilters | None = None
) -> QuerySet[Booking]:
    """Return the pending requests of the given activities, sorted as the inbox lists them."""
    filters = filters or InboxFilters()
    bookings = Booking.objects.filter(
        activity_id__in=activities.order_by().values("pk"), state__in=PENDING
    ).exclude(
        # A waiting-list place of a day gone by can no longer be given: not work to do.
        # (Requests of past days stay: a pending absence decides what is billed.)
        state=S.WAITING_LIST,
        day_id__lt=timezone.localdate(),
    )
    if filters.kind:
        bookings = bookings.filter(state=filters.kind)
    if filters.activity_id:
        bookings = bookings.filter(activity_id=filters.activity_id)
    if filters.site_id:
        bookings = bookings.filter(activity__site_id=filters.site_id)
    if filters.day_from:
        bookings = bookings.filter(day_id__gte=filters.day_from)
    if filters.day_to:
        bookings = bookings.filter(day_id__lte=filters.day_to)
    if filters.family.strip():
        text = filters.family.strip()
        bookings = bookings.filter(
            Q(child__family__identifier__icontains=text) | Q(child__family__name__icontains=text)
        )
    return _for_inbox(bookings)


def _for_inbox(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Join what a row shows and sort by day, activity, then request time."""
    return (
        bookings.select_related("child__family", "activity__site", "absence_reason")
        # The waiting time orders a waiting list; otherwise the last change is the request
        # itself (a pending booking changes only when it is asked).
        .annotate(asked_at=Coalesce("waitlisted_at", "updated_at"), slot_taken=_taken_subquery())
        .order_by("day", "activity__site__name", "activity__name", "asked_at", "pk")
    )


def inbox_row(activities: QuerySet[Activity], booking_id: int) -> InboxRow | None:
    """Return one request of the activities as the inbox shows it (any state), or None."""
    found = list(
        _for_inbox(
            Booking.objects.filter(
                pk=booking_id, activity_id__in=activities.order_by().values("pk")
            )
        )
    )
    if not found:
        return None
    booking = found[0]
    ranks = (
        waiting_ranks([(booking.activity_id, booking.day_id)])
        if booking.state == S.WAITING_LIST
        else {}
    )
    return _row(booking, ranks)


def inbox_page(
    activities: QuerySet[Activity],
    filters: InboxFilters,
    page_number: int | str | None = 1,
    per_page: int | None = None,
) -> InboxPage:
    """Return one page of the inbox: count, rows, and the ranks of the waiting rows."""
    paginator = Paginator(pending_requests(activities, filters), per_page or PER_PAGE)
    page = paginator.get_page(page_number)
    bookings = list(page.object_list)
    ranks = waiting_ranks((b.activity_id, b.day_id) for b in bookings if b.state == S.WAITING_LIST)
    return InboxPage(
        rows=[_row(booking, ranks) for booking in bookings],
        total=paginator.count,
        number=page.number,
        num_pages=paginator.num_pages,
    )


def _row(booking: Booking, ranks: dict[int, int]) -> InboxRow:
    child = booking.child
    family = child.family
    activity = booking.activity
    taken = getattr(booking, "slot_taken", None) or 0
    return InboxRow(
        booking_id=booking.pk,
        child_name=str(child),
        class_level=child.get_class_level_display() if child.class_level else "",
        family_id=family.pk,
        family_identifier=family.identifier,
        family_name=family.name,
        activity_id=activity.pk,
        activity_name=activity.name,
        site_name=activity.site.name,
        day=booking.day_id,
        day_label=rules.format_day(booking.day_id),
        kind=booking.state,
        kind_label=str(KIND_LABELS.get(S(booking.state), S(booking.state).label)),
        asked_at=getattr(booking, "asked_at", None),
        is_late=booking.is_late,
        absence_reason=booking.absence_reason.label if booking.absence_reason else "",
        absence_note=booking.absence_note,
        has_proof=bool(booking.absence_proof),
        places=Places(capacity=activity.capacity, taken=taken),
        rank=ranks.get(booking.pk),
    )


def waiting_ranks(keys: Iterable[tuple[int, date]]) -> dict[int, int]:
    """Return the rank of every waiting booking of the given (activity, day) lists, in one query.

    1 is the next to be promoted: the order of `bookings.services.base.waiting_rank`, which the
    family's planning and the staff inbox both show.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    rows = (
        Booking.objects.filter(
            state=S.WAITING_LIST,
            activity_id__in={activity_id for activity_id, _day in wanted},
            day_id__in={day for _activity_id, day in wanted},
        )
        .order_by("waitlisted_at", "pk")
        .values_list("pk", "activity_id", "day_id")
    )
    counters: dict[tuple[int, date], int] = defaultdict(int)
    ranks: dict[int, int] = {}
    for pk, activity_id, day in rows:
        key = (activity_id, day)
        if key in wanted:
            counters[key] += 1
            ranks[pk] = counters[key]
    return ranks


def waiting_list(activity: Activity, day: date) -> WaitingList:
    """Return the waiting list of an activity on a day, oldest first, with its places."""
    slot = Slot.objects.filter(activity=activity, day_id=day).values_list("taken", flat=True)
    taken = next(iter(slot), 0)
    waiting = (
        Booking.objects.filter(activity=activity, day_id=day, state=S.WAITING_LIST)
        .select_related("child__family")
        .order_by("waitlisted_at", "pk")
    )
    entries = []
    for rank, booking in enumerate(waiting, start=1):
        child = booking.child
        assert booking.waitlisted_at is not None  # a database constraint
        entries.append(
            WaitingEntry(
                booking_id=booking.pk,
                rank=rank,
                child_name=str(child),
                class_level=child.get_class_level_display() if child.class_level else "",
                family_id=child.family_id,
                family_identifier=child.family.identifier,
                family_name=child.family.name,
                since=booking.waitlisted_at,
                is_late=booking.is_late,
            )
        )
    return WaitingList(
        activity=activity,
        day=day,
        day_label=rules.format_day(day),
        places=Places(capacity=activity.capacity, taken=taken),
        entries=entries,
    )


def bookings_in_scope(activities: QuerySet[Activity], ids: Collection[int]) -> list[Booking]:
    """Return the bookings of `ids` within the activities, in the inbox order.

    The caller compares the length with `ids`: a missing one is not the agent's (or no more).
    """
    return list(
        Booking.objects.filter(pk__in=ids, activity_id__in=activities.order_by().values("pk"))
        .select_related("child__family", "activity__site")
        .annotate(asked_at=Coalesce("waitlisted_at", "updated_at"))
        .order_by("day", "activity__site__name", "activity__name", "asked_at", "pk")
    )


def booking_in_scope(activities: QuerySet[Activity], booking_id: int) -> Booking | None:
    """Return one booking of the activities, or None."""
    found = bookings_in_scope(activities, [booking_id])
    return found[0] if found else None


def waiting_on(keys: Iterable[tuple[int, date]]) -> set[int]:
    """Return the ids of the bookings waiting on the given (activity, day) pairs."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = Booking.objects.filter(
        state=S.WAITING_LIST,
        activity_id__in={activity_id for activity_id, _day in wanted},
        day_id__in={day for _activity_id, day in wanted},
    ).values_list("pk", "activity_id", "day_id")
    return {pk for pk, activity_id, day in rows if (activity_id, day) in wanted}


def promoted_among(ids: Collection[int]) -> list[Booking]:
    """Return which of these (formerly waiting) bookings now hold a reserved place."""
    if not ids:
        return []
    return list(
        Booking.objects.filter(pk__in=ids, state=S.RESERVED)
        .select_related("child", "activity")
        .order_by("day", "activity_id", "pk")
    )
