"""Reads of enrolments for the back-office: a family's enrolments, one activity's month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.legend import Legend
from bookings.models import Booking, Enrolment, WeeklyPattern
from bookings.queries.planning import month_planning
from bookings.rules import WEEKDAY_NAMES, format_day
from bookings.services.enrolments import ENDED_BY_ENROLMENT
from families.models import Child, Family


def weekday_names(weekdays: list[int]) -> str:
    """Return weekdays in words: « lundi, mardi, jeudi »."""
    return ", ".join(str(WEEKDAY_NAMES[w]) for w in sorted(weekdays) if 0 <= w <= 6)


def period_label(starts_on: date | None, ends_on: date | None) -> str:
    """Return an enrolment's period in words (empty bounds mean the whole school year)."""
    if starts_on is None and ends_on is None:
        return _("Toute l'année scolaire")
    if ends_on is None:
        return _("À partir du %(from)s") % {"from": format_day(starts_on)}  # type: ignore[arg-type]
    if starts_on is None:
        return _("Jusqu'au %(to)s") % {"to": format_day(ends_on)}
    return _("Du %(from)s au %(to)s") % {"from": format_day(starts_on), "to": format_day(ends_on)}


@dataclass(frozen=True)
class EnrolmentLine:
    """One enrolment of a child as the family page shows it."""

    enrolment: Enrolment
    period: str
    patterns: list[str]
    is_over: bool
    in_scope: bool  # the agent's activities: links to end it or book on behalf

    @property
    def can_end(self) -> bool:
        """Tell whether the agent may end it early (in scope, not over yet)."""
        return self.in_scope and not self.is_over


@dataclass(frozen=True)
class ChildEnrolments:
    """A child and its enrolments, newest school year first."""

    child: Child
    lines: list[EnrolmentLine]

    @property
    def can_book(self) -> bool:
        """Tell whether the agent may book on behalf of this child (an enrolment in scope)."""
        return any(line.in_scope and not line.is_over for line in self.lines)


@dataclass(frozen=True)
class EnrolmentSection:
    """Every child of a family with its enrolments, and whether the agent may act on them."""

    family_id: int
    children: list[ChildEnrolments]
    can_edit: bool


def family_enrolments(
    family: Family,
    *,
    editable_activity_ids: set[int],
    can_edit: bool,
    today: date | None = None,
) -> EnrolmentSection:
    """Return a family's children with their enrolments, in three queries."""
    today = today or timezone.localdate()
    enrolments = Enrolment.objects.select_related(
        "activity__site", "school_year", "payer"
    ).prefetch_related(
        Prefetch("patterns", queryset=WeeklyPattern.objects.order_by("-starts_on", "-pk"))
    )
    children = family.children.prefetch_related(
        Prefetch(
            "enrolments",
            queryset=enrolments.order_by(
                "-school_year__starts_on", "activity__site__name", "activity__name"
            ),
        )
    ).order_by("birth_date", "first_name")
    groups = []
    for child in children:
        lines = []
        for enrolment in child.enrolments.all():
            end = enrolment.ends_on or enrolment.school_year.ends_on
            lines.append(
                EnrolmentLine(
                    enrolment=enrolment,
                    period=period_label(enrolment.starts_on, enrolment.ends_on),
                    patterns=[
                        _("%(days)s, %(period)s")
                        % {
                            "days": weekday_names(pattern.weekdays),
                            "period": period_label(pattern.starts_on, pattern.ends_on).lower(),
                        }
                        for pattern in enrolment.patterns.all()
                    ],
                    is_over=end < today,
                    in_scope=can_edit and enrolment.activity_id in editable_activity_ids,
                )
            )
        groups.append(ChildEnrolments(child, lines))
    return EnrolmentSection(family_id=family.pk, children=groups, can_edit=can_edit)


@dataclass(frozen=True)
class DaysAfter:
    """How many days of an enrolment still count after a day, and their span."""

    count: int
    first: date | None
    last: date | None

    @property
    def span(self) -> str:
        """Return the span in words."""
        if self.first is None or self.last is None:
            return ""
        return period_label(self.first, self.last)


def bookings_after_count(enrolment: Enrolment, day: date) -> DaysAfter:
    """Count an enrolment's bookings after `day` that ending it would cancel, in one query."""
    found = Booking.objects.filter(
        enrolment=enrolment, day_id__gt=day, state__in=ENDED_BY_ENROLMENT
    ).aggregate(count=Count("pk"), first=Min("day_id"), last=Max("day_id"))
    return DaysAfter(found["count"], found["first"], found["last"])


# ---------------------------------------------------------------------------------------------
# One activity's month for the counter (read-only)

TONES = {
    Legend.RESERVED: "ok",
    Legend.REGULAR: "ok",
    Legend.WALK_IN: "ok",
    Legend.ABSENT_EXCUSED: "ok",
    Legend.REQUESTED: "wait",
    Legend.WAITING_LIST: "wait",
    Legend.ABSENCE_REQUESTED: "wait",
    Legend.BEYOND_CONTRACT: "wait",
    Legend.REFUSED: "bad",
    Legend.ABSENT_BILLED: "bad",
    Legend.ERROR: "bad",
}


@dataclass(frozen=True)
class DayLine:
    """One day of a child's activity: its status in words and why it is locked, if it is."""

    day: date
    label: str
    status: str
    tone: str
    note: str


def activity_month(
    child: Child, activity_id: int, year: int, month: int, now: datetime | None = None
) -> list[DayLine]:
    """Return the days of a month on which a child's activity runs or holds a booking."""
    planning = month_planning(child, year, month, now=now)
    rows = [
        row for group in planning.groups for row in group.rows if row.activity.pk == activity_id
    ]
    lines = []
    for row in rows:
        for cell in row.cells:
            if not (cell.booking or cell.actions or cell.notable):
                continue
            status = str(cell.legend.label)
            if cell.rank:
                status = _("%(status)s (rang %(rank)s)") % {"status": status, "rank": cell.rank}
            if cell.present:
                status = _("%(status)s, présent") % {"status": status}
            lines.append(
                DayLine(
                    day=cell.day,
                    label=format_day(cell.day),
                    status=status,
                    tone=TONES.get(cell.legend, ""),
                    note=cell.locked_reason,
                )
            )
    return lines
