"""Evaluate booking and cancellation deadlines (délais de prévenance) without the database.

Rules are typed data (`DeadlineRule`, `BookingWindow`) evaluated in Europe/Paris wall-clock
time. Calendar facts (public holidays, school days) come through the `CalendarView` protocol so
callers decide where they are read from; this module never touches the ORM.

Daylight saving time: a cut-off is `datetime.combine(cutoff_day, rule.at, tzinfo=PARIS)`, whose
`fold` is 0. Per PEP 495 this makes every wall-clock time a single instant:
- in the spring gap (last Sunday of March, 02:00 → 03:00), 02:30 is read with the winter offset
  (+01:00), i.e. 01:30 UTC, the instant the clocks show 03:30;
- in the autumn overlap (last Sunday of October, 03:00 → 02:00), 02:30 is the first occurrence
  (+02:00), i.e. 00:30 UTC.
Instants are always compared in UTC: Python compares two datetimes sharing a tzinfo by their
wall-clock fields, which is wrong across those two nights.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

# Bounds that keep a misconfigured rule from scanning the calendar for ever.
MAX_DAYS_BEFORE = 366
MAX_WEEKS_BEFORE = 52

_WEEKEND = frozenset({5, 6})
_TIME_PATTERN = re.compile(r"(\d{2}):(\d{2})")

WEEKDAY_NAMES: tuple[Promise, ...] = (
    gettext_lazy("lundi"),
    gettext_lazy("mardi"),
    gettext_lazy("mercredi"),
    gettext_lazy("jeudi"),
    gettext_lazy("vendredi"),
    gettext_lazy("samedi"),
    gettext_lazy("dimanche"),
)
_WEEKDAY_PLURAL_NAMES: tuple[Promise, ...] = (
    gettext_lazy("lundis"),
    gettext_lazy("mardis"),
    gettext_lazy("mercredis"),
    gettext_lazy("jeudis"),
    gettext_lazy("vendredis"),
    gettext_lazy("samedis"),
    gettext_lazy("dimanches"),
)
_MONTH_NAMES: tuple[Promise, ...] = (
    gettext_lazy("janvier"),
    gettext_lazy("février"),
    gettext_lazy("mars"),
    gettext_lazy("avril"),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juillet"),
    gettext_lazy("août"),
    gettext_lazy("septembre"),
    gettext_lazy("octobre"),
    gettext_lazy("novembre"),
    gettext_lazy("décembre"),
)


class CalendarView(Protocol):
    """Answer the calendar questions a deadline rule needs."""

    def is_public_holiday(self, day: date) -> bool:
        """Return whether the day is a public holiday (jour férié)."""
        ...

    def is_school_day(self, day: date) -> bool:
        """Return whether children have classes that day."""
        ...


class DeadlineKind(models.TextChoices):
    """Shape of a deadline rule."""

    NONE = "none", gettext_lazy("Sans délai")
    CALENDAR_DAYS_BEFORE = "calendar_days_before", gettext_lazy("N jours avant, à une heure")
    WORKING_DAYS_BEFORE = "working_days_before", gettext_lazy("N jours ouvrés avant, à une heure")
    WEEKDAY_OF_PREVIOUS_WEEK = (
        "weekday_of_previous_week",
        gettext_lazy("Un jour de la semaine précédente, à une heure"),
    )
    PER_WEEKDAY = "per_weekday", gettext_lazy("Un délai par jour de la semaine")
    DAY_OF_PREVIOUS_MONTH = (
        "day_of_previous_month",
        gettext_lazy("Un jour du mois précédent, à une heure"),
    )


_PER_WEEKDAY_FIELDS = frozenset({"booked_weekday", "cutoff_weekday", "at"})


@dataclass(frozen=True)
class DeadlineRule:
    """Describe when a day can no longer be booked or cancelled."""

    kind: DeadlineKind = DeadlineKind.NONE
    days: int = 0
    at: time = time(0, 0)
    weekday: int = 0
    weeks_before: int = 1
    skip_weekends: bool = True
    skip_public_holidays: bool = True
    only_school_days: bool = False
    skipped_weekdays: frozenset[int] = frozenset()
    per_weekday: tuple[tuple[int, int, time], ...] = ()

    def __post_init__(self) -> None:
        """Normalise container types and refuse inconsistent rules."""
        try:
            kind = DeadlineKind(self.kind)
        except ValueError:
            raise ValueError(
                _("Le champ « kind » désigne un type de délai inconnu (reçu : %(value)r).")
                % {"value": self.kind}
            ) from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "skipped_weekdays", frozenset(self.skipped_weekdays))
        object.__setattr__(self, "per_weekday", tuple((b, c, t) for b, c, t in self.per_weekday))

        if kind == DeadlineKind.DAY_OF_PREVIOUS_MONTH:
            _check_int(self.days, "days", 1, 31)
        else:
            _check_int(self.days, "days", 0, MAX_DAYS_BEFORE)
        _check_time(self.at, "at")
        _check_weekday(self.weekday, "weekday")
        _check_int(self.weeks_before, "weeks_before", 1, MAX_WEEKS_BEFORE)
        for name in ("skip_weekends", "skip_public_holidays", "only_school_days"):
            _check_bool(getattr(self, name), name)
        for value in sorted(self.skipped_weekdays, key=repr):
            _check_weekday(value, "skipped_weekdays")

        booked_weekdays: set[int] = set()
        for index, (booked, cutoff, at) in enumerate(self.per_weekday):
            _check_weekday(booked, f"per_weekday[{index}].booked_weekday")
            _check_weekday(cutoff, f"per_weekday[{index}].cutoff_weekday")
            _check_time(at, f"per_weekday[{index}].at")
            if booked in booked_weekdays:
                raise ValueError(
                    _(
                        "Le champ « per_weekday » donne deux délais pour le %(weekday)s : "
                        "un seul par jour de la semaine."
                    )
                    % {"weekday": WEEKDAY_NAMES[booked]}
                )
            booked_weekdays.add(booked)
        if kind == DeadlineKind.PER_WEEKDAY and not self.per_weekday:
            raise ValueError(
                _("Le champ « per_weekday » doit donner au moins un jour de la semaine.")
            )

        if kind == DeadlineKind.WORKING_DAYS_BEFORE:
            not_counted = set(self.skipped_weekdays) | (_WEEKEND if self.skip_weekends else set())
            if len(not_counted) == 7:
                raise ValueError(
                    _(
                        "Le champ « skipped_weekdays » exclut tous les jours de la semaine : "
                        "aucun jour ne peut être compté."
                    )
                )

    def cutoff_for_weekday(self, weekday: int) -> tuple[int, time] | None:
        """Return the (cut-off weekday, time) of a PER_WEEKDAY rule for a booked weekday."""
        for booked, cutoff, at in self.per_weekday:
            if booked == weekday:
                return cutoff, at
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable mapping that `from_dict` reads back."""
        return {
            "kind": self.kind.value,
            "days": self.days,
            "at": _time_to_str(self.at),
            "weekday": self.weekday,
            "weeks_before": self.weeks_before,
            "skip_weekends": self.skip_weekends,
            "skip_public_holidays": self.skip_public_holidays,
            "only_school_days": self.only_school_days,
            "skipped_weekdays": sorted(self.skipped_weekdays),
            "per_weekday": [
                {"booked_weekday": booked, "cutoff_weekday": cutoff, "at": _time_to_str(at)}
                for booked, cutoff, at in self.per_weekday
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineRule:
        """Build a rule from `to_dict` output, raising ValueError with a French message."""
        if not isinstance(data, Mapping):
            raise ValueError(
                _("Une règle de délai doit être un objet (reçu : %(value)r).") % {"value": data}
            )
        unknown = sorted(str(key) for key in data if key not in _RULE_FIELDS)
        if unknown:
            raise ValueError(
                _("Champ inconnu dans la règle de délai : « %(field)s ».")
                % {"field": ", ".join(unknown)}
            )
        if "kind" not in data:
            raise ValueError(_("Le champ « kind » est obligatoire."))

        values: dict[str, Any] = {
            name: data[name]
            for name in (
                "kind",
                "days",
                "weekday",
                "weeks_before",
                "skip_weekends",
                "skip_public_holidays",
                "only_school_days",
            )
            if name in data
        }
        if "at" in data:
            values["at"] = _parse_time(data["at"], "at")
        if "skipped_weekdays" in data:
            raw_weekdays = data["skipped_weekdays"]
            if isinstance(raw_weekdays, str | bytes) or not isinstance(raw_weekdays, Sequence):
                raise ValueError(
                    _("Le champ « skipped_weekdays » doit être une liste (reçu : %(value)r).")
                    % {"value": raw_weekdays}
                )
            for value in raw_weekdays:
                _check_weekday(value, "skipped_weekdays")
            values["skipped_weekdays"] = frozenset(raw_weekdays)
        if "per_weekday" in data:
            values["per_weekday"] = _parse_per_weekday(data["per_weekday"])
        return cls(**values)


_RULE_FIELDS = frozenset(field.name for field in fields(DeadlineRule))


@dataclass(frozen=True)
class DeadlineCheck:
    """Say whether a deadline still allows the change, and which deadline applied."""

    allowed: bool
    deadline: datetime | None


@dataclass(frozen=True)
class BookingWindow:
    """Describe when the booked days from first_day to last_day may be booked."""

    first_day: date
    last_day: date
    opens_at: datetime | None
    closes_at: datetime | None
    non_resident_opens_at: datetime | None = None

    def __post_init__(self) -> None:
        """Refuse windows that cannot be evaluated."""
        if self.first_day > self.last_day:
            raise ValueError(
                _("Le champ « last_day » ne peut pas précéder « first_day » (%(first)s).")
                % {"first": format_day(self.first_day)}
            )
        for name in ("opens_at", "closes_at", "non_resident_opens_at"):
            _check_aware(getattr(self, name), name)
        if (
            self.opens_at is not None
            and self.closes_at is not None
            and _instant(self.opens_at) >= _instant(self.closes_at)
        ):
            raise ValueError(_("Le champ « closes_at » doit être postérieur à « opens_at »."))
        if (
            self.opens_at is not None
            and self.non_resident_opens_at is not None
            and _instant(self.non_resident_opens_at) < _instant(self.opens_at)
        ):
            raise ValueError(
                _("Le champ « non_resident_opens_at » ne peut pas précéder « opens_at ».")
            )

    def opens_for(self, *, is_resident: bool) -> datetime | None:
        """Return the opening instant that applies to a resident or non-resident family."""
        if not is_resident and self.non_resident_opens_at is not None:
            return self.non_resident_opens_at
        return self.opens_at


@dataclass(frozen=True)
class WindowCheck:
    """Say whether booking windows allow booking a day now, and why not."""

    allowed: bool
    reason: Literal["ok", "not_open", "closed"]
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def deadline_for(rule: DeadlineRule, day: date, calendar: CalendarView) -> datetime | None:
    """Return the cut-off instant in Paris time for the booked day, or None when unlimited."""
    if isinstance(day, datetime):
        raise TypeError(_("Un jour réservé est une date, pas une date-heure."))
    at = rule.at
    if rule.kind == DeadlineKind.NONE:
        return None
    if rule.kind == DeadlineKind.CALENDAR_DAYS_BEFORE:
        cutoff_day = day - timedelta(days=rule.days)
    elif rule.kind == DeadlineKind.WORKING_DAYS_BEFORE:
        cutoff_day = _counted_day_before(rule, day, calendar)
    elif rule.kind == DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK:
        monday = day - timedelta(days=day.weekday())
        cutoff_day = monday - timedelta(weeks=rule.weeks_before) + timedelta(days=rule.weekday)
    elif rule.kind == DeadlineKind.PER_WEEKDAY:
        cutoff = rule.cutoff_for_weekday(day.weekday())
        if cutoff is None:
            return None
        cutoff_weekday, at = cutoff
        # "Strictly before": a Monday booked with a Monday cut-off closes the Monday before.
        cutoff_day = day - timedelta(days=(day.weekday() - cutoff_weekday) % 7 or 7)
    elif rule.kind == DeadlineKind.DAY_OF_PREVIOUS_MONTH:
        year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
        cutoff_day = date(year, month, min(rule.days, monthrange(year, month)[1]))
    else:  # pragma: no cover - DeadlineRule refuses unknown kinds
        raise AssertionError(rule.kind)
    # fold=0 (the default) settles the DST gap and overlap, see the module docstring.
    return datetime.combine(cutoff_day, at, tzinfo=PARIS)


def check_deadline(
    rule: DeadlineRule, day: date, calendar: CalendarView, now: datetime | None = None
) -> DeadlineCheck:
    """Check whether the booked day can still be changed now (the cut-off itself is too late)."""
    current = _instant(_aware_now(now))
    deadline = deadline_for(rule, day, calendar)
    allowed = deadline is None or current < _instant(deadline)
    return DeadlineCheck(allowed=allowed, deadline=deadline)


def check_windows(
    windows: Sequence[BookingWindow],
    day: date,
    *,
    is_resident: bool,
    now: datetime | None = None,
) -> WindowCheck:
    """Check whether one of the windows covering the day is open now for this family."""
    current = _instant(_aware_now(now))
    applicable = [window for window in windows if window.first_day <= day <= window.last_day]
    if not applicable:
        return WindowCheck(allowed=True, reason="ok")

    upcoming: list[tuple[datetime, BookingWindow]] = []
    closed: list[tuple[datetime, BookingWindow]] = []
    for window in applicable:
        opens = window.opens_for(is_resident=is_resident)
        if opens is not None and current < _instant(opens):
            upcoming.append((opens, window))
        elif window.closes_at is not None and current >= _instant(window.closes_at):
            closed.append((window.closes_at, window))
        else:
            return WindowCheck(
                allowed=True, reason="ok", opens_at=opens, closes_at=window.closes_at
            )

    # A window still to come beats a closed one: the family can still book, later.
    if upcoming:
        opens, window = min(upcoming, key=lambda item: _instant(item[0]))
        return WindowCheck(
            allowed=False, reason="not_open", opens_at=opens, closes_at=window.closes_at
        )
    closes, window = max(closed, key=lambda item: _instant(item[0]))
    return WindowCheck(
        allowed=False,
        reason="closed",
        opens_at=window.opens_for(is_resident=is_resident),
        closes_at=closes,
    )


def describe_rule(rule: DeadlineRule) -> str:
    """Return the rule in plain French for parents."""
    time_text = format_time(rule.at)
    if rule.kind == DeadlineKind.NONE:
        return _("Sans délai")
    if rule.kind == DeadlineKind.CALENDAR_DAYS_BEFORE:
        if rule.days == 0:
            return _("le jour même avant %(time)s") % {"time": time_text}
        if rule.days == 1:
            return _("la veille avant %(time)s") % {"time": time_text}
        return ngettext(
            "%(count)d jour avant, avant %(time)s",
            "%(count)d jours avant, avant %(time)s",
            rule.days,
        ) % {"count": rule.days, "time": time_text}
    if rule.kind == DeadlineKind.WORKING_DAYS_BEFORE:
        return _describe_working_days(rule, time_text)
    if rule.kind == DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK:
        values = {
            "weekday": WEEKDAY_NAMES[rule.weekday],
            "time": time_text,
            "count": rule.weeks_before,
        }
        if rule.weeks_before == 1:
            return _("jusqu'au %(weekday)s %(time)s de la semaine précédente") % values
        return (
            ngettext(
                "jusqu'au %(weekday)s %(time)s, %(count)d semaine avant",
                "jusqu'au %(weekday)s %(time)s, %(count)d semaines avant",
                rule.weeks_before,
            )
            % values
        )
    if rule.kind == DeadlineKind.PER_WEEKDAY:
        return _describe_per_weekday(rule)
    if rule.kind == DeadlineKind.DAY_OF_PREVIOUS_MONTH:
        return _("avant le %(day)s du mois précédent à %(time)s") % {
            "day": _day_number(rule.days),
            "time": time_text,
        }
    raise AssertionError(rule.kind)  # pragma: no cover - DeadlineRule refuses unknown kinds


def format_time(at: time) -> str:
    """Return a wall-clock time the French way, e.g. « 09h00 »."""
    return _("%(hour)02dh%(minute)02d") % {"hour": at.hour, "minute": at.minute}


def format_day(day: date) -> str:
    """Return a day in full, e.g. « mardi 14 avril 2026 »."""
    return _("%(weekday)s %(day)s %(month)s %(year)d") % {
        "weekday": WEEKDAY_NAMES[day.weekday()],
        "day": _day_number(day.day),
        "month": _MONTH_NAMES[day.month - 1],
        "year": day.year,
    }


def format_instant(moment: datetime) -> str:
    """Return an instant in Paris time without the year, e.g. « jeudi 9 avril à 12h00 »."""
    _check_aware(moment, "moment")
    # Through UTC so that a gap time such as 02:30 on the spring night shows as it is read.
    local = _instant(moment).astimezone(PARIS)
    return _("%(weekday)s %(day)s %(month)s à %(time)s") % {
        "weekday": WEEKDAY_NAMES[local.weekday()],
        "day": _day_number(local.day),
        "month": _MONTH_NAMES[local.month - 1],
        "time": format_time(local.time()),
    }


def collation_key(name: str) -> str:
    """Return a sort key that orders French names as a reader expects (« Émile » by « Emma »)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _counted_day_before(rule: DeadlineRule, day: date, calendar: CalendarView) -> date:
    """Return the rule.days-th counted day before the booked day."""
    current = day
    remaining = rule.days
    for _step in range(7 * rule.days + MAX_DAYS_BEFORE):
        if remaining == 0:
            return current
        current -= timedelta(days=1)
        if _is_counted(rule, current, calendar):
            remaining -= 1
    raise ValueError(
        _("Aucun jour compté trouvé dans l'année précédant le %(day)s : vérifiez le calendrier.")
        % {"day": format_day(day)}
    )


def _is_counted(rule: DeadlineRule, day: date, calendar: CalendarView) -> bool:
    """Return whether a day counts towards a WORKING_DAYS_BEFORE lead time."""
    if rule.skip_weekends and day.weekday() in _WEEKEND:
        return False
    if day.weekday() in rule.skipped_weekdays:
        return False
    if rule.only_school_days and not calendar.is_school_day(day):
        return False
    return not (rule.skip_public_holidays and calendar.is_public_holiday(day))


def _describe_working_days(rule: DeadlineRule, time_text: str) -> str:
    """Return the French wording of a WORKING_DAYS_BEFORE rule."""
    if rule.days == 0:
        return _("le jour même avant %(time)s") % {"time": time_text}
    values = {"count": rule.days, "time": time_text}
    if rule.only_school_days:
        text = ngettext(
            "%(count)d jour de classe avant, avant %(time)s",
            "%(count)d jours de classe avant, avant %(time)s",
            rule.days,
        )
    elif rule.skip_weekends:
        text = ngettext(
            "%(count)d jour ouvré avant, avant %(time)s",
            "%(count)d jours ouvrés avant, avant %(time)s",
            rule.days,
        )
    else:
        text = ngettext(
            "%(count)d jour avant, avant %(time)s",
            "%(count)d jours avant, avant %(time)s",
            rule.days,
        )
    text %= values

    excluded: list[str] = []
    if not rule.only_school_days:
        # School days already leave out weekends and holidays: no need to say it twice.
        if rule.skip_weekends:
            excluded.append(_("week-ends"))
        if rule.skip_public_holidays:
            excluded.append(_("jours fériés"))
    excluded.extend(
        str(_WEEKDAY_PLURAL_NAMES[weekday])
        for weekday in sorted(rule.skipped_weekdays)
        if not (rule.skip_weekends and weekday in _WEEKEND)
    )
    if not excluded:
        return text
    return _("%(rule)s (%(excluded)s non comptés)") % {
        "rule": text,
        "excluded": _join(excluded),
    }


def _describe_per_weekday(rule: DeadlineRule) -> str:
    """Return the French wording of a PER_WEEKDAY rule, grouping days with the same cut-off."""
    groups: dict[tuple[int, time], list[int]] = {}
    for booked, cutoff, at in sorted(rule.per_weekday):
        groups.setdefault((cutoff, at), []).append(booked)
    parts = [
        _("pour %(days)s : le %(weekday)s précédent avant %(time)s")
        % {
            "days": _join([_("le %(weekday)s") % {"weekday": WEEKDAY_NAMES[b]} for b in booked]),
            "weekday": WEEKDAY_NAMES[cutoff],
            "time": format_time(at),
        }
        for (cutoff, at), booked in groups.items()
    ]
    return " ; ".join(parts)


def _join(items: Sequence[str]) -> str:
    """Join words as French does: « a, b et c »."""
    if len(items) == 1:
        return items[0]
    return _("%(first)s et %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _day_number(day: int) -> str:
    """Return a day of the month as French writes it (« 1er », « 2 »)."""
    return _("1er") if day == 1 else str(day)


def _time_to_str(at: time) -> str:
    """Return a time as "HH:MM"."""
    return f"{at.hour:02d}:{at.minute:02d}"


def _instant(moment: datetime) -> datetime:
    """Return the same instant in UTC, so that comparisons ignore wall-clock quirks."""
    return moment.astimezone(UTC)


def _aware_now(now: datetime | None) -> datetime:
    """Return now, or the current instant, refusing naive datetimes."""
    if now is None:
        now = timezone.now()
    _check_aware(now, "now")
    return now


def _check_aware(value: datetime | None, field_name: str) -> None:
    """Refuse a naive datetime."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValueError(
            _("Le champ « %(field)s » doit être une date-heure (reçu : %(value)r).")
            % {"field": field_name, "value": value}
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            _(
                "Le champ « %(field)s » doit être une date-heure avec fuseau horaire "
                "(reçu : %(value)s)."
            )
            % {"field": field_name, "value": value.isoformat()}
        )


def _check_int(value: object, field_name: str, minimum: int, maximum: int) -> None:
    """Refuse a value that is not an integer between minimum and maximum."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            _("Le champ « %(field)s » doit être un nombre entier (reçu : %(value)r).")
            % {"field": field_name, "value": value}
        )
    if not minimum <= value <= maximum:
        raise ValueError(
            _(
                "Le champ « %(field)s » doit être compris entre %(minimum)d et %(maximum)d "
                "(reçu : %(value)d)."
            )
            % {"field": field_name, "minimum": minimum, "maximum": maximum, "value": value}
        )


def _check_weekday(value: object, field_name: str) -> None:
    """Refuse a value that is not a weekday number, 0 (Monday) to 6 (Sunday)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ValueError(
            _(
                "Le champ « %(field)s » doit être un jour de la semaine entre 0 (lundi) "
                "et 6 (dimanche) (reçu : %(value)r)."
            )
            % {"field": field_name, "value": value}
        )


def _check_bool(value: object, field_name: str) -> None:
    """Refuse a value that is not a boolean."""
    if not isinstance(value, bool):
        raise ValueError(
            _("Le champ « %(field)s » doit valoir true ou false (reçu : %(value)r).")
            % {"field": field_name, "value": value}
        )


def _check_time(value: object, field_name: str) -> None:
    """Refuse a value that is not a naive wall-clock time to the minute."""
    if not isinstance(value, time) or value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError(
            _(
                "Le champ « %(field)s » doit être une heure locale à la minute, sans fuseau "
                "(reçu : %(value)r)."
            )
            % {"field": field_name, "value": value}
        )


def _parse_time(value: object, field_name: str) -> time:
    """Read an "HH:MM" string (or a time) into a time."""
    if isinstance(value, time):
        return value
    match = _TIME_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(
            _("Le champ « %(field)s » doit être une heure au format HH:MM (reçu : %(value)r).")
            % {"field": field_name, "value": value}
        )
    return time(int(match[1]), int(match[2]))


def _parse_per_weekday(value: object) -> tuple[tuple[int, int, time], ...]:
    """Read the per_weekday list of {booked_weekday, cutoff_weekday, at} objects."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(
            _("Le champ « per_weekday » doit être une liste (reçu : %(value)r).") % {"value": value}
        )
    entries: list[tuple[int, int, time]] = []
    for index, entry in enumerate(value):
        prefix = f"per_weekday[{index}]"
        if not isinstance(entry, Mapping) or set(entry) != _PER_WEEKDAY_FIELDS:
            raise ValueError(
                _(
                    "Le champ « %(field)s » doit contenir exactement booked_weekday, "
                    "cutoff_weekday et at (reçu : %(value)r)."
                )
                % {"field": prefix, "value": entry}
            )
        booked, cutoff = entry["booked_weekday"], entry["cutoff_weekday"]
        _check_weekday(booked, f"{prefix}.booked_weekday")
        _check_weekday(cutoff, f"{prefix}.cutoff_weekday")
        entries.append((booked, cutoff, _parse_time(entry["at"], f"{prefix}.at")))
    return tuple(entries)
