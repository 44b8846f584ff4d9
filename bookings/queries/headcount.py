"""The kitchen headcount (effectifs cuisine): canteen meals per school and day.

Meals are the canteen bookings in state « reserved » (walk-ins included: they are reserved
bookings with the walk-in source). Absences awaiting a decision still hold a place, but the
child will probably not eat: they are counted apart, « à confirmer ». Diets split the booked
meals; packed meals (panier-repas fourni) are booked but not cooked. Every figure is counted
by the database, so the number of queries does not grow with children, schools or days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingState
from bookings.rules import collation_key
from catalog.models import Activity, CalendarDay, Closure, DayKind, Site
from catalog.queries import ClosureIndex, closure_index
from families.models import Diet

S = BookingState
DIETS: list[tuple[str, str]] = [(str(value), str(label)) for value, label in Diet.choices]
SCHOOL_WEEK = 5  # Monday to Friday


@dataclass(frozen=True)
class MealCounts:
    """The figures of one school on one day (or a sum of them)."""

    by_diet: tuple[int, ...] = (0,) * len(DIETS)
    meals: int = 0
    pai: int = 0
    packed: int = 0
    to_confirm: int = 0

    @property
    def to_prepare(self) -> int:
        """Return the meals the kitchen cooks: booked meals less the packed ones."""
        return self.meals - self.packed

    def __add__(self, other: MealCounts) -> MealCounts:
        return MealCounts(
            by_diet=tuple(a + b for a, b in zip(self.by_diet, other.by_diet, strict=True)),
            meals=self.meals + other.meals,
            pai=self.pai + other.pai,
            packed=self.packed + other.packed,
            to_confirm=self.to_confirm + other.to_confirm,
        )


def total(counts: list[MealCounts]) -> MealCounts:
    """Return the sum of some figures."""
    result = MealCounts()
    for item in counts:
        result = result + item
    return result


@dataclass(frozen=True)
class SchoolDay:
    """One school on one day: its figures, or why its canteen does not serve that day."""

    site: Site
    day: date
    counts: MealCounts
    no_service: str = ""  # « Pas de restauration : grève » when the canteen is shut

    @property
    def served(self) -> bool:
        """Tell whether the canteen serves that day."""
        return not self.no_service


@dataclass(frozen=True)
class DayHeadcount:
    """All the schools of an agent's scope on one day, with the total the kitchen cooks."""

    day: date
    rows: list[SchoolDay]
    total: MealCounts
    diets: list[tuple[str, str]] = field(default_factory=lambda: DIETS)

    @property
    def counts(self) -> MealCounts:
        """Return the total: the day's figures as a row of the week (named as in SchoolDay)."""
        return self.total

    @property
    def served(self) -> bool:
        """Tell whether at least one school's canteen serves that day."""
        return any(row.served for row in self.rows)

    @property
    def no_service(self) -> str:
        """Return the common reason when no canteen serves (« Pas de restauration : … »)."""
        reasons = {row.no_service for row in self.rows}
        if self.served or not reasons:
            return ""
        return reasons.pop() if len(reasons) == 1 else _("Pas de restauration ce jour.")


@dataclass(frozen=True)
class SchoolWeek:
    """One school over a week: a row per day, and the week's total."""

    site: Site
    days: list[SchoolDay]
    total: MealCounts


@dataclass(frozen=True)
class WeekHeadcount:
    """Monday to Friday for every school of the scope, plus the kitchen's daily totals."""

    monday: date
    days: list[DayHeadcount]
    schools: list[SchoolWeek]
    total: MealCounts
    diets: list[tuple[str, str]] = field(default_factory=lambda: DIETS)

    @property
    def friday(self) -> date:
        """Return the last day of the school week."""
        return self.monday + timedelta(days=SCHOOL_WEEK - 1)

    @property
    def previous_monday(self) -> date:
        """Return the Monday of the previous week."""
        return self.monday - timedelta(days=7)

    @property
    def next_monday(self) -> date:
        """Return the Monday of the next week."""
        return self.monday + timedelta(days=7)


def monday_of(day: date) -> date:
    """Return the Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def canteens_for(user: User) -> list[Activity]:
    """Return the canteen activities of `user`'s scope (site staff: their sites only)."""
    from backoffice.permissions import activities_for

    return list(activities_for(user).filter(category=Activity.Category.CANTEEN))


def next_school_day(today: date) -> date:
    """Return `today` if children have class, else the next school day (or `today`)."""
    found = (
        CalendarDay.objects.filter(date__gte=today, kind=DayKind.SCHOOL_DAY)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    return found or today


def neighbour_school_days(day: date) -> tuple[date, date]:
    """Return the school days before and after `day` (a day away when none is near)."""
    near = list(
        CalendarDay.objects.filter(
            date__gte=day - timedelta(days=21),
            date__lte=day + timedelta(days=21),
            kind=DayKind.SCHOOL_DAY,
        ).values_list("date", flat=True)
    )
    before = max((d for d in near if d < day), default=day - timedelta(days=1))
    after = min((d for d in near if d > day), default=day + timedelta(days=1))
    return before, after


def no_service_reason(
    activity: Activity, day: date, calendar: dict[date, CalendarDay], closures: ClosureIndex
) -> str:
    """Return why `activity` does not run on `day` (« Pas de restauration : grève »), or ""."""
    calendar_day = calendar.get(day)
    if calendar_day is None:
        return _("Pas de restauration : hors année scolaire")
    kind, detail = calendar_day.kind, ""
    if kind == DayKind.PUBLIC_HOLIDAY:
        why, detail = _("jour férié"), calendar_day.label
    elif not activity.runs_on(day, kind):
        if kind == DayKind.WEEKEND:
            why = _("week-end")
        elif kind == DayKind.SCHOOL_HOLIDAY:
            why, detail = _("vacances scolaires"), calendar_day.label
        elif kind == DayKind.NO_SCHOOL:
            why = _("pas d'école ce jour")
        else:
            why = _("pas de service ce jour")
    else:
        closure = closures.closure_for(activity, day)
        if closure is None:
            return ""
        why, detail = _closure_reason(closure), closure.note
    text = f"{why} ({detail})" if detail else why
    return _("Pas de restauration : %(why)s") % {"why": text}


def _closure_reason(closure: Closure) -> str:
    reason = str(closure.get_reason_display())
    return reason[:1].lower() + reason[1:]


def _counts_by_activity_day(
    activity_ids: list[int], first: date, last: date
) -> dict[tuple[int, date], MealCounts]:
    """Count the meals of some canteens over a span, grouped by the database."""
    if not activity_ids:
        return {}
    reserved = Q(state=S.RESERVED)
    diet_counts = {
        f"diet_{index}": Count("pk", filter=reserved & Q(child__diet=value))
        for index, (value, _label) in enumerate(DIETS)
    }
    rows = (
        Booking.objects.filter(
            activity_id__in=activity_ids,
            day_id__gte=first,
            day_id__lte=last,
            state__in=[S.RESERVED, S.ABSENCE_REQUESTED],
        )
        .values("activity_id", "day_id")
        .annotate(
            meals=Count("pk", filter=reserved),
            pai=Count("pk", filter=reserved & Q(child__has_pai=True)),
            packed=Count("pk", filter=reserved & Q(child__packed_meal=True)),
            to_confirm=Count("pk", filter=Q(state=S.ABSENCE_REQUESTED)),
            **diet_counts,
        )
        .order_by()
    )
    return {
        (row["activity_id"], row["day_id"]): MealCounts(
            by_diet=tuple(row[f"diet_{index}"] for index in range(len(DIETS))),
            meals=row["meals"],
            pai=row["pai"],
            packed=row["packed"],
            to_confirm=row["to_confirm"],
        )
        for row in rows
    }


def _school_days(canteens: list[Activity], first: date, last: date) -> list[SchoolDay]:
    """Return one SchoolDay per school of `canteens` and day of the span, schools by name."""
    calendar = {d.date: d for d in CalendarDay.objects.filter(date__gte=first, date__lte=last)}
    closures = closure_index(first, last)
    counts = _counts_by_activity_day([a.pk for a in canteens], first, last)
    by_site: dict[int, list[Activity]] = {}
    for activity in sorted(canteens, key=lambda a: (collation_key(a.site.name), a.name)):
        by_site.setdefault(activity.site_id, []).append(activity)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    result = []
    for activities in by_site.values():
        site = activities[0].site
        for day in days:
            reasons = [no_service_reason(a, day, calendar, closures) for a in activities]
            # A school with two canteen services serves if either does; the kitchen cooks
            # nothing for a canteen that is shut, whatever rows a closure may have left.
            served = [a for a, reason in zip(activities, reasons, strict=True) if not reason]
            figures = total([counts.get((a.pk, day), MealCounts()) for a in served])
            no_service = "" if served else reasons[0]
            result.append(SchoolDay(site=site, day=day, counts=figures, no_service=no_service))
    return result


def day_headcount(user: User, day: date) -> DayHeadcount:
    """Return the meals of `day` per school of `user`'s scope, in a constant number of queries."""
    rows = _school_days(canteens_for(user), day, day)
    return DayHeadcount(day=day, rows=rows, total=total([r.counts for r in rows]))


def week_headcount(user: User, day: date) -> WeekHeadcount:
    """Return Monday to Friday of the week of `day`, per school, in constant queries."""
    monday = monday_of(day)
    friday = monday + timedelta(days=SCHOOL_WEEK - 1)
    rows = _school_days(canteens_for(user), monday, friday)
    schools: list[SchoolWeek] = []
    for row in rows:
        if not schools or schools[-1].site.pk != row.site.pk:
            schools.append(SchoolWeek(site=row.site, days=[], total=MealCounts()))
        schools[-1].days.append(row)
    schools = [
        SchoolWeek(site=s.site, days=s.days, total=total([d.counts for d in s.days]))
        for s in schools
    ]
    days = []
    for offset in range(SCHOOL_WEEK):
        current = monday + timedelta(days=offset)
        of_day = [row for row in rows if row.day == current]
        days.append(DayHeadcount(day=current, rows=of_day, total=total([r.counts for r in of_day])))
    return WeekHeadcount(
        monday=monday,
        days=days,
        schools=schools,
        total=total([s.total for s in schools]),
    )
