"""Reads of bookings for screens: a child's month on the planning grid, upcoming days."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules
from bookings.legend import Legend, beyond_contract, legend_for
from bookings.models import Booking, BookingState, Enrolment
from bookings.queries.inbox import waiting_ranks
from bookings.states import REQUESTABLE
from catalog.models import Activity, DayKind, Site
from catalog.queries import calendar_span, closure_index, windows_by_activity
from families.models import Child

S = BookingState
WEEKDAY_INITIALS = ["Lu", "Ma", "Me", "Je", "Ve", "Sa", "Di"]


class Action:
    """What a family may do on a cell."""

    RESERVE = "reserve"
    ABSENCE = "absence"
    CANCEL = "cancel"


@dataclass(frozen=True)
class DayHeader:
    """A column of the grid."""

    day: date
    initial: str
    is_weekend: bool
    is_today: bool


@dataclass(frozen=True)
class Cell:
    """One child × activity × day on the grid, with what can be done there and why not."""

    day: date
    activity: Activity
    legend: Legend
    booking: Booking | None
    actions: frozenset[str]
    locked_reason: str
    present: bool
    rank: int | None = None
    notable: bool = True  # locked for a reason worth explaining on focus (deadline, closure…)

    @property
    def key(self) -> str:
        """Return the value a form posts to designate this cell."""
        return f"{self.activity.pk}:{self.day.isoformat()}"


@dataclass(frozen=True)
class PlanningRow:
    """An enrolled activity over the month."""

    enrolment: Enrolment
    activity: Activity
    payer_name: str
    cells: list[Cell]


@dataclass(frozen=True)
class SiteGroup:
    """Rows of one site (« Accueil de Loisirs ALSH »)."""

    site: Site
    rows: list[PlanningRow]


@dataclass(frozen=True)
class MonthPlanning:
    """A child's month, as the planning grid shows it."""

    child: Child
    first: date
    days: list[DayHeader]
    groups: list[SiteGroup]

    @property
    def previous_month(self) -> date:
        """Return the first day of the previous month."""
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> date:
        """Return the first day of the next month."""
        last = self.first.replace(day=pycalendar.monthrange(self.first.year, self.first.month)[1])
        return last + timedelta(days=1)

    def by_day(self) -> list[tuple[DayHeader, list[Cell]]]:
        """Return the month as a list of days with their cells (the phone layout)."""
        rows = [row for group in self.groups for row in group.rows]
        days = []
        for i, header in enumerate(self.days):
            # Only what happens that day: activities that do not run are left out.
            cells = [row.cells[i] for row in rows if row.cells[i].actions or row.cells[i].notable]
            if cells:
                days.append((header, cells))
        return days


def month_planning(
    child: Child, year: int, month: int, now: datetime | None = None
) -> MonthPlanning:
    """Build a child's month in a constant number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = date(year, month, 1)
    last = first.replace(day=pycalendar.monthrange(year, month)[1])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    span = calendar_span(first, last)
    year_ids = {span.school_year_ids[d] for d in days if d in span.school_year_ids}
    enrolments = list(
        Enrolment.objects.filter(child=child, school_year_id__in=year_ids)
        .select_related(
            "activity__site", "activity__booking_rule", "activity__cancellation_rule", "payer"
        )
        .prefetch_related("contract")
        .order_by("activity__site__name", "activity__name", "school_year__starts_on")
    )
    closures = closure_index(first, last)
    windows = windows_by_activity({e.activity_id for e in enrolments}, first, last)
    bookings = {
        (b.activity_id, b.day_id): b
        for b in Booking.objects.filter(child=child, day_id__gte=first, day_id__lte=last)
    }
    ranks = waiting_ranks(
        (b.activity_id, b.day_id) for b in bookings.values() if b.state == S.WAITING_LIST
    )
    is_resident = child.family.is_resident

    rows_by_activity: dict[int, PlanningRow] = {}
    for enrolment in enrolments:
        activity = enrolment.activity
        contract = {c.weekday: (c.arrival, c.departure) for c in enrolment.contract.all()}
        # A month straddling two school years keeps one row per activity (August/September).
        row = rows_by_activity.setdefault(
            activity.pk, PlanningRow(enrolment, activity, enrolment.payer.full_name, cells=[])
        )
        for day in days:
            if span.school_year_ids.get(day) != enrolment.school_year_id:
                continue
            booking = bookings.get((activity.pk, day))
            row.cells.append(
                _cell(
                    day=day,
                    activity=activity,
                    enrolment=enrolment,
                    booking=booking,
                    span=span,
                    closure=closures.closure_for(activity, day),
                    contract=contract,
                    windows=windows.get(activity.pk, []),
                    is_resident=is_resident,
                    today=today,
                    now=now,
                    rank=ranks.get(booking.pk) if booking else None,
                )
            )
    # Days outside any enrolment's school year are shown empty and inactive.
    for row in rows_by_activity.values():
        present_days = {cell.day for cell in row.cells}
        for day in days:
            if day not in present_days:
                row.cells.append(_blank(day, row.activity, _("Hors de l'année scolaire.")))
        row.cells.sort(key=lambda cell: cell.day)

    groups: dict[int, SiteGroup] = {}
    for row in rows_by_activity.values():
        site = row.activity.site
        groups.setdefault(site.pk, SiteGroup(site, []))
        groups[site.pk].rows.append(row)
    headers = [
        DayHeader(d, WEEKDAY_INITIALS[d.weekday()], d.weekday() >= 5, d == today) for d in days
    ]
    return MonthPlanning(child=child, first=first, days=headers, groups=list(groups.values()))


def _blank(day: date, activity: Activity, reason: str) -> Cell:
    return Cell(day, activity, Legend.EMPTY, None, frozenset(), reason, False, notable=False)


def _cell(
    *,
    day: date,
    activity: Activity,
    enrolment: Enrolment,
    booking: Booking | None,
    span: object,
    closure: object,
    contract: dict[int, tuple],
    windows: list[rules.BookingWindow],
    is_resident: bool,
    today: date,
    now: datetime,
    rank: int | None,
) -> Cell:
    """Decide one cell's legend, its allowed actions and, when locked, why."""
    kind = span.kind(day)  # type: ignore[attr-defined]
    public_holiday = kind == DayKind.PUBLIC_HOLIDAY
    closed = public_holiday or closure is not None
    state = booking.state if booking else None
    planned = (booking.planned_arrival, booking.planned_departure) if booking else (None, None)
    legend = legend_for(
        state=state,
        source=booking.source if booking else None,
        presence=booking.presence if booking else "unknown",
        closed=closed,
        is_beyond_contract=activity.counted_in_hours
        and state == S.RESERVED
        and beyond_contract(planned, contract.get(day.weekday())),
    )
    present = bool(booking and booking.presence == "present")
    runs = kind is not None and activity.runs_on(day, kind)

    def locked(reason: str, *, notable: bool = True) -> Cell:
        notable = notable or legend != Legend.EMPTY
        return Cell(day, activity, legend, booking, frozenset(), reason, present, rank, notable)

    if public_holiday:
        label = span.labels.get(day)  # type: ignore[attr-defined]
        return locked(
            _("Jour férié (%(label)s).") % {"label": label} if label else _("Jour férié.")
        )
    if closure is not None:
        return locked(
            _("Fermeture : %(reason)s.") % {"reason": closure.note or closure.get_reason_display()}  # type: ignore[attr-defined]
        )
    if not runs and booking is None:
        return locked(_("L'activité n'a pas lieu ce jour-là."), notable=False)
    if (enrolment.starts_on and day < enrolment.starts_on) or (
        enrolment.ends_on and day > enrolment.ends_on
    ):
        return locked(_("En dehors de la période d'inscription."))
    if day < today:
        return locked(_("Jour passé."), notable=False)
    if state in {S.REQUESTED, S.WAITING_LIST, S.ABSENCE_REQUESTED}:
        return Cell(day, activity, legend, booking, frozenset({Action.CANCEL}), "", present, rank)
    if state == S.RESERVED:
        return Cell(day, activity, legend, booking, frozenset({Action.ABSENCE}), "", present, rank)
    if state is not None and state not in REQUESTABLE:
        return locked(_("Déjà traité : %(state)s.") % {"state": S(state).label})
    window = rules.check_windows(windows, day, is_resident=is_resident, now=now)
    if not window.allowed:
        if window.reason == "not_open" and window.opens_at:
            return locked(
                _("Réservations ouvertes à partir du %(when)s.")
                % {"when": rules.format_instant(window.opens_at)}
            )
        return locked(_("Les réservations pour cette période sont closes."))
    if activity.booking_rule is not None and activity.late_policy == Activity.LatePolicy.REFUSE:
        check = rules.check_deadline(
            activity.booking_rule.as_rule(),
            day,
            span,  # type: ignore[arg-type]
            now=now,
        )
        if not check.allowed and check.deadline is not None:
            return locked(
                _("Délai dépassé depuis le %(when)s.")
                % {"when": rules.format_instant(check.deadline)}
            )
    return Cell(day, activity, legend, booking, frozenset({Action.RESERVE}), "", present, rank)


def upcoming_bookings(children: list[Child], *, limit_days: int = 14) -> dict[int, list[Booking]]:
    """Return each child's booked days from today on (for the home page), in one query."""
    today = timezone.localdate()
    found: dict[int, list[Booking]] = defaultdict(list)
    rows = (
        Booking.objects.filter(
            child__in=children,
            day_id__gte=today,
            day_id__lte=today + timedelta(days=limit_days),
            state__in=[S.RESERVED, S.REQUESTED, S.WAITING_LIST, S.ABSENCE_REQUESTED],
        )
        .select_related("activity")
        .order_by("day_id", "activity__name")
    )
    for booking in rows:
        found[booking.child_id].append(booking)
    return found


def needing_attention(children: list[Child], *, days_back: int = 31) -> list[Booking]:
    """Return recent refusals and pending absences the family should look at, in one query."""
    since = timezone.localdate() - timedelta(days=days_back)
    return list(
        Booking.objects.filter(
            child__in=children,
            day_id__gte=since,
            state__in=[S.REFUSED, S.ABSENCE_REQUESTED, S.WAITING_LIST],
        )
        .select_related("activity", "child")
        .order_by("day_id")[:50]
    )
