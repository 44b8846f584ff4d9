"""Reads of the pointage: the sheets of a day per site, and one activity's sheet for a day.

Every function runs a constant number of queries whatever the number of children; the
attendance services share `why_no_attendance` so the page and the refusal say the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules
from bookings.models import (
    AttendanceSheet,
    Booking,
    BookingSource,
    BookingState,
    Enrolment,
    Presence,
)
from bookings.rules import collation_key
from bookings.states import HOLDS_PLACE
from catalog.models import Activity, CalendarDay, Closure, DayKind, Site
from catalog.queries import closure_index
from families.models import AuthorisedPerson, ClassLevel, Diet

S = BookingState
# Declared absent that day: listed on the sheet for information, never marked.
DECLARED_ABSENT = frozenset({S.ABSENT_EXCUSED, S.ABSENT_BILLED, S.LEAVE})
# States from which a child may still be recorded present without booking (record_walk_in).
WALK_IN_FROM = frozenset({S.CANCELLED, S.REFUSED, S.REQUESTED, S.WAITING_LIST, S.LEAVE})
# Pupils by class from the youngest; children without a class last.
CLASS_ORDER = {level: i for i, level in enumerate(ClassLevel.values) if level}


# ---------------------------------------------------------------------------------------------
# Whether attendance can be taken


def why_no_attendance(
    *,
    activity: Activity,
    day: date,
    calendar_day: CalendarDay | None,
    closure: Closure | None,
    today: date,
) -> str:
    """Return why attendance cannot be taken for `activity` on `day`, or "" when it can."""
    values = {"day": rules.format_day(day), "activity": activity.name}
    if calendar_day is None:
        return _("Le %(day)s est en dehors de l'année scolaire : pas de pointage.") % values
    if calendar_day.kind == DayKind.PUBLIC_HOLIDAY:
        return _("Le %(day)s est un jour férié%(label)s : pointage impossible.") % {
            **values,
            "label": f" ({calendar_day.label})" if calendar_day.label else "",
        }
    if closure is not None:
        return _("%(activity)s est fermé le %(day)s (%(reason)s) : pointage impossible.") % {
            **values,
            "reason": closure_reason(closure),
        }
    if not activity.runs_on(day, calendar_day.kind):
        return _("%(activity)s n'a pas lieu le %(day)s (%(kind)s) : pointage impossible.") % {
            **values,
            "kind": calendar_day.get_kind_display().lower(),
        }
    if day > today:
        return (
            _("Le pointage du %(day)s n'est pas encore ouvert : le pointage ouvre le jour même.")
            % values
        )
    return ""


def closure_reason(closure: Closure) -> str:
    """Return a closure's reason as staff read it: « Grève — toute la journée »."""
    reason = str(closure.get_reason_display())
    return f"{reason} — {closure.note}" if closure.note else reason


def attendance_refusal(activity: Activity, day: date, today: date) -> str:
    """Load the day and its closures, then say why attendance is refused ("" when allowed)."""
    return why_no_attendance(
        activity=activity,
        day=day,
        calendar_day=CalendarDay.objects.filter(date=day).first(),
        closure=closure_index(day, day).closure_for(activity, day),
        today=today,
    )


# ---------------------------------------------------------------------------------------------
# The sheets of a day


@dataclass(frozen=True)
class SheetSummary:
    """One activity's sheet on the day list."""

    activity: Activity
    expected: int
    present: int
    absent: int
    unmarked: int
    declared_absent: int
    completed: bool
    refusal: str
    closure: Closure | None

    is_future: bool

    @property
    def state(self) -> str:
        """Return the sheet's state: closed, upcoming, completed or open."""
        if self.refusal and not (self.is_future and self.closure is None):
            return "closed"
        if self.is_future:
            return "upcoming"
        return "completed" if self.completed else "open"


@dataclass(frozen=True)
class SiteSheets:
    """The sheets of one site on a day."""

    site: Site
    sheets: list[SheetSummary]


@dataclass(frozen=True)
class AttendanceDay:
    """A day of pointage for the activities an agent works on."""

    day: date
    today: date
    message: str
    sites: list[SiteSheets]

    @property
    def previous(self) -> date:
        """Return the day before."""
        return self.day - timedelta(days=1)

    @property
    def next(self) -> date:
        """Return the day after."""
        return self.day + timedelta(days=1)

    @property
    def is_today(self) -> bool:
        """Tell whether the day shown is today."""
        return self.day == self.today

    @property
    def day_label(self) -> str:
        """Return the day in full, « jeudi 2 avril 2026 »."""
        return rules.format_day(self.day)


def _whole_day_message(day: date, calendar_day: CalendarDay | None, has_sheets: bool) -> str:
    values = {"day": rules.format_day(day)}
    if calendar_day is None:
        return _("Le %(day)s est en dehors de l'année scolaire : pas de pointage.") % values
    if calendar_day.kind == DayKind.WEEKEND:
        return _("Le %(day)s est un week-end : aucune activité, pas de pointage.") % values
    if calendar_day.kind == DayKind.PUBLIC_HOLIDAY:
        return _("Le %(day)s est un jour férié%(label)s : aucune activité, pas de pointage.") % {
            **values,
            "label": f" ({calendar_day.label})" if calendar_day.label else "",
        }
    if not has_sheets:
        kind = calendar_day.label or calendar_day.get_kind_display()
        return _("Aucune de vos activités n'a lieu le %(day)s (%(kind)s) : pas de pointage.") % {
            **values,
            "kind": kind,
        }
    return ""


def attendance_day(activities: QuerySet[Activity], day: date, today: date) -> AttendanceDay:
    """Return the day's sheets of `activities` that run that day, grouped by site."""
    calendar_day = CalendarDay.objects.filter(date=day).first()
    running: list[Activity] = []
    if calendar_day is not None and calendar_day.kind not in (
        DayKind.WEEKEND,
        DayKind.PUBLIC_HOLIDAY,
    ):
        running = [
            activity
            for activity in activities.filter(is_active=True).select_related("site")
            if activity.runs_on(day, calendar_day.kind)
        ]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    completed: set[int] = set()
    closures = closure_index(day, day)
    if running:
        ids = [activity.pk for activity in running]
        rows = (
            Booking.objects.filter(activity_id__in=ids, day_id=day)
            .filter(Q(state__in=HOLDS_PLACE) | Q(state__in=DECLARED_ABSENT))
            .values_list("activity_id", "state", "presence")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for activity_id, state, presence, n in rows:
            if state in HOLDS_PLACE:
                counts[activity_id]["expected"] += n
                counts[activity_id][presence] += n
            else:
                counts[activity_id]["declared_absent"] += n
        completed = set(
            AttendanceSheet.objects.filter(activity_id__in=ids, day_id=day).values_list(
                "activity_id", flat=True
            )
        )
    by_site: dict[int, SiteSheets] = {}
    for activity in running:
        closure = closures.closure_for(activity, day)
        count = counts[activity.pk]
        summary = SheetSummary(
            activity=activity,
            expected=count["expected"],
            present=count[Presence.PRESENT],
            absent=count[Presence.ABSENT],
            unmarked=count[Presence.UNKNOWN],
            declared_absent=count["declared_absent"],
            completed=activity.pk in completed,
            refusal=why_no_attendance(
                activity=activity,
                day=day,
                calendar_day=calendar_day,
                closure=closure,
                today=today,
            ),
            closure=closure,
            is_future=day > today,
        )
        by_site.setdefault(activity.site_id, SiteSheets(activity.site, [])).sheets.append(summary)
    sites = sorted(by_site.values(), key=lambda group: group.site.name)
    for group in sites:
        group.sheets.sort(key=lambda sheet: sheet.activity.name)
    return AttendanceDay(
        day=day,
        today=today,
        message=_whole_day_message(day, calendar_day, bool(sites)),
        sites=sites,
    )


# ---------------------------------------------------------------------------------------------
# One activity's sheet


@dataclass(frozen=True)
class Pickup:
    """Someone allowed to pick the child up."""

    name: str
    relationship: str
    phone: str

    @property
    def tel(self) -> str:
        """Return the phone number as a tel: link target (digits and a leading +)."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@dataclass(frozen=True)
class SheetRow:
    """An expected child: what staff need to see, and the mark taken."""

    booking_id: int
    name: str
    class_label: str
    diet: str
    diet_label: str
    has_pai: bool
    pai_notes: str
    packed_meal: bool
    pickups: list[Pickup]
    presence: str
    absence_requested: bool
    walk_in: bool

    @property
    def is_standard_diet(self) -> bool:
        """Tell whether the child eats the standard menu (shown plainly)."""
        return self.diet == Diet.STANDARD

    @property
    def is_present(self) -> bool:
        return self.presence == Presence.PRESENT

    @property
    def is_absent(self) -> bool:
        return self.presence == Presence.ABSENT

    @property
    def presence_label(self) -> str:
        """Return the mark as text (statuses are never shown by colour alone)."""
        return str(Presence(self.presence).label)


@dataclass(frozen=True)
class DeclaredAbsence:
    """A child declared absent that day (for information)."""

    name: str
    class_label: str
    state_label: str
    reason: str


@dataclass(frozen=True)
class WalkInCandidate:
    """An enrolled child without a place that day, who may be added present."""

    child_id: int
    label: str


@dataclass(frozen=True)
class Counts:
    """The sheet's figures, shown in its sticky header."""

    expected: int
    present: int
    absent: int
    unmarked: int


@dataclass(frozen=True)
class Completion:
    """Who marked the sheet complete, and when."""

    at: datetime
    by_name: str

    @property
    def text(self) -> str:
        """Return « Feuille terminée par X le jeudi 2 avril 2026 à 12h05. »."""
        local = timezone.localtime(self.at)
        return _("Feuille terminée par %(name)s le %(day)s à %(time)s.") % {
            "name": self.by_name,
            "day": rules.format_day(local.date()),
            "time": rules.format_time(local.time()),
        }


@dataclass(frozen=True)
class Sheet:
    """An activity's pointage for a day."""

    activity: Activity
    day: date
    refusal: str
    rows: list[SheetRow]
    absences: list[DeclaredAbsence]
    candidates: list[WalkInCandidate]
    completion: Completion | None

    @property
    def is_open(self) -> bool:
        """Tell whether marks can be taken."""
        return not self.refusal

    @property
    def day_label(self) -> str:
        """Return the day in full, « jeudi 2 avril 2026 »."""
        return rules.format_day(self.day)

    @property
    def counts(self) -> Counts:
        return counts_of(self.rows)


def counts_of(rows: list[SheetRow]) -> Counts:
    """Count the expected children and their marks."""
    present = sum(1 for row in rows if row.is_present)
    absent = sum(1 for row in rows if row.is_absent)
    return Counts(len(rows), present, absent, len(rows) - present - absent)


# Read as plain values: a 500-child sheet would otherwise build 1,500 model instances.
BOOKING_FIELDS = (
    "pk",
    "state",
    "presence",
    "source",
    "child_id",
    "child__first_name",
    "child__last_name",
    "child__class_level",
    "child__diet",
    "child__has_pai",
    "child__pai_notes",
    "child__packed_meal",
    "absence_reason__label",
)
Values = Mapping[str, Any]


def _sort_key(values: Values, prefix: str = "child__") -> tuple[int, str, str]:
    return (
        CLASS_ORDER.get(values[f"{prefix}class_level"], len(CLASS_ORDER)),
        collation_key(values[f"{prefix}last_name"]),
        collation_key(values[f"{prefix}first_name"]),
    )


def _full_name(values: Values, prefix: str = "child__") -> str:
    return f"{values[f'{prefix}first_name']} {values[f'{prefix}last_name'].upper()}"


def _class_label(level: str) -> str:
    return level or str(ClassLevel.NONE.label)


def _pickups_of(bookings: QuerySet[Booking]) -> dict[int, list[Pickup]]:
    """Return the pick-up persons of the children of `bookings`, in one query."""
    found: dict[int, list[Pickup]] = defaultdict(list)
    rows = (
        AuthorisedPerson.objects.filter(child__in=bookings.values("child_id"))
        .order_by("name", "pk")
        .values_list("child_id", "name", "relationship", "phone")
    )
    for child_id, name, relationship, phone in rows:
        found[child_id].append(Pickup(name, relationship, phone))
    return found


def _diet_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Diet.choices}


def _row(values: Values, pickups: list[Pickup], diets: dict[str, str]) -> SheetRow:
    diet = values["child__diet"]
    return SheetRow(
        booking_id=values["pk"],
        name=_full_name(values),
        class_label=_class_label(values["child__class_level"]),
        diet=diet,
        diet_label=diets.get(diet) or str(diet),
        has_pai=values["child__has_pai"],
        pai_notes=values["child__pai_notes"],
        packed_meal=values["child__packed_meal"],
        pickups=pickups,
        presence=values["presence"],
        absence_requested=values["state"] == S.ABSENCE_REQUESTED,
        walk_in=values["source"] == BookingSource.WALK_IN,
    )


def attendance_sheet(activity: Activity, day: date, today: date) -> Sheet:
    """Return an activity's sheet for a day: expected children, absences, walk-in choices."""
    calendar_day = CalendarDay.objects.filter(date=day).first()
    refusal = why_no_attendance(
        activity=activity,
        day=day,
        calendar_day=calendar_day,
        closure=closure_index(day, day).closure_for(activity, day),
        today=today,
    )
    of_the_day = Booking.objects.filter(activity=activity, day_id=day)
    bookings = sorted(of_the_day.values(*BOOKING_FIELDS), key=_sort_key)
    pickups = _pickups_of(of_the_day.filter(state__in=HOLDS_PLACE))
    diets = _diet_labels()
    rows = [
        _row(b, pickups.get(b["child_id"], []), diets)
        for b in bookings
        if b["state"] in HOLDS_PLACE
    ]
    absences = [
        DeclaredAbsence(
            name=_full_name(b),
            class_label=_class_label(b["child__class_level"]),
            state_label=str(S(b["state"]).label),
            reason=b["absence_reason__label"] or "",
        )
        for b in bookings
        if b["state"] in DECLARED_ABSENT
    ]
    candidates: list[WalkInCandidate] = []
    if calendar_day is not None and not refusal:
        state_of = {b["child_id"]: b["state"] for b in bookings}
        candidates = _walk_in_candidates(activity, day, calendar_day, state_of)
    sheet = (
        AttendanceSheet.objects.filter(activity=activity, day_id=day)
        .select_related("completed_by")
        .first()
    )
    return Sheet(
        activity=activity,
        day=day,
        refusal=refusal,
        rows=rows,
        absences=absences,
        candidates=candidates,
        completion=_completion(sheet),
    )


def _completion(sheet: AttendanceSheet | None) -> Completion | None:
    if sheet is None:
        return None
    user = sheet.completed_by
    name = (user.get_full_name() or user.username) if user else _("un agent supprimé")
    return Completion(at=sheet.completed_at, by_name=name)


def _walk_in_candidates(
    activity: Activity, day: date, calendar_day: CalendarDay, state_of: dict[int, str]
) -> list[WalkInCandidate]:
    """Return the enrolled children who may be recorded present without booking that day."""
    enrolled = (
        Enrolment.objects.filter(activity=activity, school_year_id=calendar_day.school_year_id)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values("child_id", "child__first_name", "child__last_name", "child__class_level")
    )
    children = sorted(
        (
            e
            for e in enrolled
            if e["child_id"] not in state_of or state_of[e["child_id"]] in WALK_IN_FROM
        ),
        key=lambda e: (collation_key(e["child__last_name"]), collation_key(e["child__first_name"])),
    )
    candidates = []
    for child in children:
        label = f"{_full_name(child)} ({_class_label(child['child__class_level'])})"
        state = state_of.get(child["child_id"])
        if state in (S.REQUESTED, S.WAITING_LIST):
            label += " — " + str(S(state).label).lower()
        candidates.append(WalkInCandidate(child["child_id"], label))
    return candidates


def sheet_row(activity: Activity, day: date, booking_id: int) -> SheetRow | None:
    """Return one expected child's row (after a mark), or None unless it holds a place."""
    booking = Booking.objects.filter(
        pk=booking_id, activity=activity, day_id=day, state__in=HOLDS_PLACE
    )
    values = booking.values(*BOOKING_FIELDS).first()
    if values is None:
        return None
    return _row(values, _pickups_of(booking).get(values["child_id"], []), _diet_labels())


def sheet_counts(activity: Activity, day: date) -> Counts:
    """Return the sheet's figures in one query."""
    marks = dict(
        Booking.objects.filter(activity=activity, day_id=day, state__in=HOLDS_PLACE)
        .values_list("presence")
        .annotate(n=Count("pk"))
        .values_list("presence", "n")
        .order_by()
    )
    present = marks.get(Presence.PRESENT, 0)
    absent = marks.get(Presence.ABSENT, 0)
    expected = sum(marks.values())
    return Counts(expected, present, absent, expected - present - absent)
