"""Enrolments (inscriptions): enrol a child for a school year, end an enrolment early."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import Booking, Enrolment, Presence, WeeklyPattern
from bookings.services.base import (
    DayResult,
    Outcome,
    S,
    _day_label,
    _lock_slots,
    _promote_where_waiting,
    _save_slots,
    _save_transitions,
    _transition,
)
from catalog.models import Activity, SchoolYear
from core.audit import record, snapshot
from core.models import AuditEvent
from families.models import Child, Guardian

ENROLMENT_FIELDS = ("child", "activity", "school_year", "payer", "starts_on", "ends_on")
# Bookings that still mean something for the days after an enrolment ends.
ENDED_BY_ENROLMENT = frozenset(
    {
        S.REQUESTED,
        S.WAITING_LIST,
        S.RESERVED,
        S.ABSENCE_REQUESTED,
        S.ABSENT_EXCUSED,
        S.ABSENT_BILLED,
        S.LEAVE,
    }
)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, pycalendar.monthrange(year, month)[1])
    )


def _day_reaching_age(child: Child, months: int) -> date:
    """Return the first day on which the child is `months` months old."""
    day = _add_months(child.birth_date, months)
    while child.age_in_months(day) < months:
        day += timedelta(days=1)
    return day


def _eligibility_problem(child: Child, activity: Activity, first: date, last: date) -> str | None:
    """Say why the child cannot be enrolled for the period (class level, then age), if so."""
    values = {"child": child.first_name, "activity": activity.name}
    if activity.class_levels and child.class_level not in activity.class_levels:
        values["levels"] = ", ".join(activity.class_levels)
        if not child.class_level:
            return (
                _(
                    "l'activité %(activity)s est réservée aux niveaux %(levels)s, et le niveau "
                    "scolaire de %(child)s n'est pas renseigné : complétez la fiche de l'enfant."
                )
                % values
            )
        values["level"] = child.class_level
        return (
            _(
                "l'activité %(activity)s est réservée aux niveaux %(levels)s ; %(child)s est "
                "en %(level)s."
            )
            % values
        )
    if activity.min_age_months is not None:
        reached = _day_reaching_age(child, activity.min_age_months)
        if reached > first:
            values.update(months=str(activity.min_age_months), day=rules.format_day(reached))
            return (
                _(
                    "l'âge minimum de %(activity)s est %(months)s mois et %(child)s les aura le "
                    "%(day)s : indiquez une date de début à partir de ce jour."
                )
                % values
            )
    if activity.max_age_months is not None:
        too_old = _day_reaching_age(child, activity.max_age_months + 1)
        if too_old <= last:
            values.update(months=str(activity.max_age_months))
            if too_old <= first:
                values["day"] = rules.format_day(too_old)
                return (
                    _(
                        "%(child)s dépasse l'âge maximum de %(activity)s (%(months)s mois) "
                        "depuis le %(day)s."
                    )
                    % values
                )
            values["day"] = rules.format_day(too_old - timedelta(days=1))
            return (
                _(
                    "%(child)s dépassera l'âge maximum de %(activity)s (%(months)s mois) après "
                    "le %(day)s : indiquez une date de fin au plus tard ce jour-là."
                )
                % values
            )
    return None


def _refuse(child: Child, reason: str) -> BookingError:
    return BookingError(
        _("Inscription impossible pour %(child)s : %(reason)s")
        % {"child": child.first_name, "reason": reason}
    )


def _duplicate(child: Child, activity: Activity, school_year: SchoolYear) -> BookingError:
    return BookingError(
        _(
            "%(child)s a déjà une inscription à %(activity)s (%(site)s) pour %(year)s : "
            "ouvrez-la depuis la fiche famille plutôt que d'en créer une seconde."
        )
        % {
            "child": child.first_name,
            "activity": activity.name,
            "site": activity.site.name,
            "year": school_year.label,
        }
    )


def enrol_child(
    *,
    child: Child,
    activity: Activity,
    school_year: SchoolYear,
    payer: Guardian,
    starts_on: date | None = None,
    ends_on: date | None = None,
    by: User | None,
) -> Enrolment:
    """Enrol a child in an activity for a school year with its paying guardian."""
    if payer.family_id != child.family_id:
        raise _refuse(
            child,
            _("%(payer)s n'est pas responsable légal de la famille %(family)s.")
            % {"payer": payer.full_name, "family": child.family.name},
        )
    if not activity.is_active:
        raise _refuse(
            child, _("l'activité %(activity)s n'est plus proposée.") % {"activity": activity.name}
        )
    first = starts_on or school_year.starts_on
    last = ends_on or school_year.ends_on
    if not (school_year.starts_on <= first <= school_year.ends_on) or not (
        school_year.starts_on <= last <= school_year.ends_on
    ):
        raise _refuse(
            child,
            _(
                "les dates doivent être comprises dans l'année scolaire %(year)s "
                "(du %(from)s au %(to)s)."
            )
            % {
                "year": school_year.label,
                "from": rules.format_day(school_year.starts_on),
                "to": rules.format_day(school_year.ends_on),
            },
        )
    if last < first:
        raise _refuse(child, _("la date de fin précède la date de début."))
    problem = _eligibility_problem(child, activity, first, last)
    if problem:
        raise _refuse(child, problem)
    with transaction.atomic(durable=True):
        if Enrolment.objects.filter(
            child=child, activity=activity, school_year=school_year
        ).exists():
            raise _duplicate(child, activity, school_year)
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    child=child,
                    activity=activity,
                    school_year=school_year,
                    payer=payer,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
        except IntegrityError as exc:  # enrolled by someone else meanwhile
            raise _duplicate(child, activity, school_year) from exc
        record(
            action="enrolment.created",
            obj=enrolment,
            by=by,
            family=child.family,
            after=snapshot(enrolment, ENROLMENT_FIELDS),
        )
        return enrolment


@dataclass(frozen=True)
class EnrolmentEnded:
    """An enrolment ended early, with the days after the end that were cancelled."""

    enrolment: Enrolment
    cancelled: list[DayResult]


def bookings_after(enrolment: Enrolment, ends_on: date) -> list[Booking]:
    """Return the bookings of an enrolment after a day that still count (not cancelled)."""
    return list(
        Booking.objects.filter(
            enrolment=enrolment, day_id__gt=ends_on, state__in=ENDED_BY_ENROLMENT
        )
        .select_related("child", "activity")
        .order_by("day_id")
    )


def end_enrolment(
    *,
    enrolment: Enrolment,
    ends_on: date,
    by: User | None,
    cancel_bookings: bool = False,
    now: datetime | None = None,
) -> EnrolmentEnded:
    """End an enrolment on a day; later bookings block it unless the agent cancels them."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        enrolment = Enrolment.objects.select_related(
            "child__family", "activity__site", "school_year"
        ).get(pk=enrolment.pk)
        child, year = enrolment.child, enrolment.school_year
        values = {
            "child": child.first_name,
            "activity": enrolment.activity.name,
            "day": rules.format_day(ends_on),
        }
        first = enrolment.starts_on or year.starts_on
        current_end = enrolment.ends_on or year.ends_on
        if ends_on < first:
            values["first"] = rules.format_day(first)
            raise BookingError(
                _(
                    "Fin d'inscription impossible au %(day)s : l'inscription de %(child)s à "
                    "%(activity)s commence le %(first)s."
                )
                % values
            )
        if ends_on >= current_end:
            values["end"] = rules.format_day(current_end)
            raise BookingError(
                _(
                    "L'inscription de %(child)s à %(activity)s se termine déjà le %(end)s : "
                    "choisissez une date antérieure pour y mettre fin plus tôt."
                )
                % values
            )
        later = bookings_after(enrolment, ends_on)
        attended = [b for b in later if b.presence == Presence.PRESENT]
        if attended:
            values["present"] = rules.format_day(attended[-1].day_id)
            raise BookingError(
                _(
                    "Fin d'inscription impossible au %(day)s : la présence de %(child)s est "
                    "pointée le %(present)s. Choisissez une fin à partir de ce jour."
                )
                % values
            )
        if later and not cancel_bookings:
            values.update(
                count=str(len(later)),
                first_day=rules.format_day(later[0].day_id),
                last_day=rules.format_day(later[-1].day_id),
            )
            raise BookingError(
                _(
                    "%(count)s jour(s) de %(child)s à %(activity)s restent enregistrés après le "
                    "%(day)s (du %(first_day)s au %(last_day)s). Cochez « Annuler ces jours » "
                    "pour les annuler sans frais, ou choisissez une autre date de fin."
                )
                % values
            )
        before = snapshot(enrolment, ("starts_on", "ends_on"))
        results = _cancel_after_end(later, by=by, now=now) if later else []
        enrolment.ends_on = ends_on
        enrolment.save(update_fields=["ends_on"])
        _trim_patterns(enrolment, ends_on)
        record(
            action="enrolment.ended",
            obj=enrolment,
            by=by,
            family=child.family,
            before=before,
            after={
                **snapshot(enrolment, ("starts_on", "ends_on")),
                "cancelled_bookings": [r.booking_id for r in results],
            },
        )
        return EnrolmentEnded(enrolment, results)


def _cancel_after_end(
    bookings: list[Booking], *, by: User | None, now: datetime
) -> list[DayResult]:
    """Cancel, without charge, the days booked after the new end (inside the caller's atomic)."""
    slots = _lock_slots((b.activity, b.day_id) for b in bookings)
    fresh = Booking.objects.select_related("child", "activity").in_bulk([b.pk for b in bookings])
    moved: list[Booking] = []
    events: list[AuditEvent] = []
    results: list[DayResult] = []
    note = _("Fin d'inscription : jour annulé sans frais.")
    for booking in sorted(fresh.values(), key=lambda b: b.day_id):
        if booking.state not in ENDED_BY_ENROLMENT:
            continue  # changed since it was read; nothing left to cancel
        slot = slots[(booking.activity_id, booking.day_id)]
        events.append(
            _transition(
                booking,
                S.CANCELLED,
                slot,
                by=by,
                action="booking.cancelled_enrolment_ended",
                now=now,
                note=note,
            )
        )
        moved.append(booking)
        results.append(
            DayResult(
                booking.child_id,
                booking.activity_id,
                booking.day_id,
                Outcome.CANCELLED,
                _("%(day)s : annulé sans frais (fin d'inscription).")
                % {"day": _day_label(booking)},
                booking_id=booking.pk,
            )
        )
    _save_transitions(moved, events)
    _promote_where_waiting(slots, by=by, now=now)
    _save_slots(slots.values())
    return results


def _trim_patterns(enrolment: Enrolment, ends_on: date) -> None:
    """Shorten the weekly patterns to the new end; drop those that would start after it."""
    WeeklyPattern.objects.filter(enrolment=enrolment, starts_on__gt=ends_on).delete()
    WeeklyPattern.objects.filter(enrolment=enrolment, ends_on__gt=ends_on).update(ends_on=ends_on)
