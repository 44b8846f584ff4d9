"""Booking requests: the rules of design.md applied in order, then capacity or waiting list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.models import (
    Booking,
    BookingSource,
    Enrolment,
    Presence,
)
from bookings.services.base import (
    AUDITED_FIELDS,
    BookingRequest,
    DayResult,
    Outcome,
    S,
    _check_staff_override,
    _events,
    _has_room,
    _impossible,
    _lock_slots,
    _promote,
    _save_slots,
    _waiting_counts,
)
from bookings.states import REQUESTABLE, check_transition
from catalog.models import Activity, DayKind
from catalog.queries import CalendarSpan, calendar_span, closure_index, windows_by_activity
from core.audit import snapshot
from core.models import AuditEvent
from families.models import Child


@dataclass
class _Candidate:
    request: BookingRequest
    enrolment: Enrolment
    is_late: bool
    needs_validation: bool
    index: int


@dataclass
class _Context:
    """Everything the rules need, loaded once per call."""

    calendar: CalendarSpan
    closures: object
    windows: dict[int, list[rules.BookingWindow]]
    enrolments: dict[tuple[int, int, int], Enrolment] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Rule checks 1–3 of design.md, in memory


def _load_context(requests: Sequence[BookingRequest]) -> _Context:
    first = min(r.day for r in requests)
    last = max(r.day for r in requests)
    activity_ids = {r.activity.pk for r in requests}
    context = _Context(
        calendar=calendar_span(first, last),
        closures=closure_index(first, last),
        windows=windows_by_activity(activity_ids, first, last),
    )
    enrolments = Enrolment.objects.filter(
        child_id__in={r.child.pk for r in requests}, activity_id__in=activity_ids
    ).prefetch_related("contract")
    for enrolment in enrolments:
        key = (enrolment.child_id, enrolment.activity_id, enrolment.school_year_id)
        context.enrolments[key] = enrolment
    return context


def _eligibility_problem(child: Child, activity: Activity, day: date) -> str | None:
    if activity.class_levels and child.class_level not in activity.class_levels:
        return _("l'activité est réservée aux niveaux %(levels)s.") % {
            "levels": ", ".join(activity.class_levels)
        }
    age = child.age_in_months(day)
    if activity.min_age_months is not None and age < activity.min_age_months:
        return _("l'enfant n'a pas encore l'âge requis (%(months)s mois).") % {
            "months": activity.min_age_months
        }
    if activity.max_age_months is not None and age > activity.max_age_months:
        return _("l'enfant dépasse l'âge maximum (%(months)s mois).") % {
            "months": activity.max_age_months
        }
    return None


def _check_rules(
    request: BookingRequest,
    context: _Context,
    *,
    now: datetime,
    deadline_override: bool,
) -> tuple[Enrolment, bool] | str:
    """Apply rules 1 to 3; return (enrolment, is_late) or the refusal message."""
    child, activity, day = request.child, request.activity, request.day
    year_id = context.calendar.school_year_ids.get(day)
    kind = context.calendar.kind(day)
    if year_id is None or kind is None:
        return _impossible(request, _("ce jour est en dehors de l'année scolaire."))
    enrolment = context.enrolments.get((child.pk, activity.pk, year_id))
    if not activity.is_active:
        return _impossible(request, _("cette activité n'est plus proposée aux réservations."))
    if enrolment is None:
        return _impossible(
            request,
            _(
                "l'enfant n'est pas inscrit à cette activité pour l'année scolaire. "
                "Contactez le service pour l'inscrire."
            ),
        )
    if (enrolment.starts_on and day < enrolment.starts_on) or (
        enrolment.ends_on and day > enrolment.ends_on
    ):
        return _impossible(request, _("ce jour est en dehors de la période d'inscription."))
    problem = _eligibility_problem(child, activity, day)
    if problem:
        return _impossible(request, problem)
    if kind == DayKind.PUBLIC_HOLIDAY:
        label = context.calendar.labels.get(day)
        return _impossible(
            request, _("jour férié (%(label)s).") % {"label": label} if label else _("jour férié.")
        )
    if not activity.runs_on(day, kind):
        return _impossible(request, _("l'activité n'a pas lieu ce jour-là."))
    closure = context.closures.closure_for(activity, day)  # type: ignore[attr-defined]
    if closure is not None:
        return _impossible(
            request,
            _("fermeture (%(reason)s).") % {"reason": closure.note or closure.get_reason_display()},
        )
    if deadline_override:
        return enrolment, False
    is_resident = child.family.is_resident
    window = rules.check_windows(
        context.windows.get(activity.pk, []), day, is_resident=is_resident, now=now
    )
    if not window.allowed:
        if window.reason == "not_open" and window.opens_at is not None:
            reason = _("les réservations pour ce jour ouvrent le %(when)s.") % {
                "when": rules.format_instant(window.opens_at)
            }
        else:
            reason = _("les réservations pour ce jour sont closes depuis le %(when)s.") % {
                "when": rules.format_instant(window.closes_at) if window.closes_at else "—"
            }
        return _impossible(request, reason)
    if activity.booking_rule is None:
        return enrolment, False
    check = rules.check_deadline(activity.booking_rule.as_rule(), day, context.calendar, now=now)
    if check.allowed:
        return enrolment, False
    if activity.late_policy == Activity.LatePolicy.REFUSE:
        assert check.deadline is not None
        return _impossible(
            request,
            _("le délai est dépassé depuis le %(when)s.")
            % {"when": rules.format_instant(check.deadline)},
        )
    return enrolment, True


def request_bookings(
    *,
    requests: Sequence[BookingRequest],
    by: User | None,
    source: str = BookingSource.FAMILY,
    all_or_nothing: bool = False,
    deadline_override: str = "",
    now: datetime | None = None,
) -> list[DayResult]:
    """Reserve days for children; report per day what happened and why."""
    _check_staff_override(by, deadline_override)
    if not requests:
        return []
    with transaction.atomic(durable=True):
        return _request_bookings(
            requests=requests,
            by=by,
            source=source,
            all_or_nothing=all_or_nothing,
            deadline_override=deadline_override,
            now=now or timezone.now(),
        )


def _request_bookings(
    *,
    requests: Sequence[BookingRequest],
    by: User | None,
    source: str,
    all_or_nothing: bool,
    deadline_override: str,
    now: datetime,
) -> list[DayResult]:
    context = _load_context(requests)
    results: list[DayResult | None] = [None] * len(requests)
    candidates: list[_Candidate] = []
    for index, request in enumerate(requests):
        checked = _check_rules(request, context, now=now, deadline_override=bool(deadline_override))
        if isinstance(checked, str):
            results[index] = DayResult(
                request.child.pk, request.activity.pk, request.day, Outcome.REFUSED, checked
            )
            continue
        enrolment, is_late = checked
        late_request = is_late and request.activity.late_policy == Activity.LatePolicy.REQUEST
        needs_validation = (
            request.activity.validation_mode == Activity.ValidationMode.STAFF or late_request
        ) and source not in {BookingSource.STAFF}
        candidates.append(_Candidate(request, enrolment, is_late, needs_validation, index))

    if all_or_nothing and len(candidates) < len(requests):
        for candidate in candidates:
            r = candidate.request
            results[candidate.index] = DayResult(
                r.child.pk,
                r.activity.pk,
                r.day,
                Outcome.NOT_APPLIED,
                _(
                    "Non enregistré le %(day)s : la demande n'est appliquée que si tous les "
                    "jours sont possibles."
                )
                % {"day": rules.format_day(r.day)},
            )
        return [result for result in results if result is not None]

    slots = _lock_slots((c.request.activity, c.request.day) for c in candidates)
    # A closure committed while we waited for the lock wins: re-read closures under the lock.
    closures = closure_index(min(r.day for r in requests), max(r.day for r in requests))
    still_open = []
    for candidate in candidates:
        r = candidate.request
        closure = closures.closure_for(r.activity, r.day)
        if closure is None:
            still_open.append(candidate)
            continue
        results[candidate.index] = DayResult(
            r.child.pk,
            r.activity.pk,
            r.day,
            Outcome.REFUSED,
            _impossible(
                r,
                _("fermeture (%(reason)s).")
                % {"reason": closure.note or closure.get_reason_display()},
            ),
        )
    candidates = still_open
    locked_at = timezone.now()
    existing = {
        (b.child_id, b.activity_id, b.day_id): b
        for b in Booking.objects.filter(
            child_id__in={c.request.child.pk for c in candidates},
            activity_id__in={c.request.activity.pk for c in candidates},
            day_id__in={c.request.day for c in candidates},
        )
    }
    waiting = _waiting_counts({key for key in slots})
    for key, count in waiting.items():
        if count and _has_room(slots[key], slots[key].activity):
            # Places freed (e.g. capacity raised) go to those already waiting, oldest first.
            promoted = _promote(slots[key], slots[key].activity, by=by, now=now)
            waiting[key] = count - len(promoted)
    to_create: list[Booking] = []
    to_update: list[tuple[Booking, dict]] = []
    placed: list[tuple[_Candidate, Booking, int | None]] = []
    for candidate in candidates:
        r = candidate.request
        booking = existing.get((r.child.pk, r.activity.pk, r.day))
        if booking is not None and booking.state not in REQUESTABLE:
            results[candidate.index] = DayResult(
                r.child.pk,
                r.activity.pk,
                r.day,
                Outcome.UNCHANGED,
                _("Déjà enregistré le %(day)s pour %(activity)s : %(state)s.")
                % {
                    "day": rules.format_day(r.day),
                    "activity": r.activity.name,
                    "state": S(booking.state).label,
                },
                booking_id=booking.pk,
            )
            continue
        slot = slots[(r.activity.pk, r.day)]
        rank: int | None = None
        if candidate.needs_validation:
            target = S.REQUESTED
        elif not waiting.get((r.activity.pk, r.day)) and _has_room(slot, r.activity):
            target = S.RESERVED
            slot.taken += 1
        else:
            target = S.WAITING_LIST
            waiting[(r.activity.pk, r.day)] = waiting.get((r.activity.pk, r.day), 0) + 1
            rank = waiting[(r.activity.pk, r.day)]
        before = snapshot(booking, AUDITED_FIELDS) if booking else None
        if booking is None:
            booking = Booking(
                child=r.child, activity=r.activity, enrolment=candidate.enrolment, day_id=r.day
            )
            to_create.append(booking)
        else:
            to_update.append((booking, before or {}))
        check_transition(booking.state or None, target)
        booking.state = target
        booking.source = source
        booking.enrolment = candidate.enrolment
        booking.is_late = candidate.is_late
        booking.presence = Presence.UNKNOWN
        # Real time taken under the lock, so promotion order matches the rank reported.
        booking.waitlisted_at = locked_at if target == S.WAITING_LIST else None
        booking.decision_note = deadline_override
        booking.decided_at = now if target == S.RESERVED else None
        booking.decided_by = by if target == S.RESERVED else None
        booking.updated_at = locked_at  # bulk_update does not touch auto_now fields
        booking.absence_reason = None
        booking.absence_note = ""
        if r.activity.counted_in_hours:
            booking.planned_arrival, booking.planned_departure = _planned_times(candidate)
        placed.append((candidate, booking, rank))

    Booking.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Booking.objects.bulk_update(
            [b for b, _before in to_update],
            [
                "state",
                "source",
                "enrolment",
                "is_late",
                "presence",
                "waitlisted_at",
                "decision_note",
                "decided_at",
                "decided_by",
                "absence_reason",
                "absence_note",
                "planned_arrival",
                "planned_departure",
                "updated_at",
            ],
            batch_size=500,
        )
    _save_slots(slots.values())
    befores = {b.pk: before for b, before in to_update}
    AuditEvent.objects.bulk_create(
        _events(
            [(b, befores.get(b.pk)) for _c, b, _rank in placed],
            "booking.requested",
            by,
            note=deadline_override,
        ),
        batch_size=500,
    )
    for candidate, booking, rank in placed:
        results[candidate.index] = _placed_result(candidate, booking, rank)
    return [result for result in results if result is not None]


def _planned_times(candidate: _Candidate) -> tuple[time | None, time | None]:
    r = candidate.request
    if r.planned_arrival and r.planned_departure:
        return r.planned_arrival, r.planned_departure
    for contract_day in candidate.enrolment.contract.all():
        if contract_day.weekday == r.day.weekday():
            return contract_day.arrival, contract_day.departure
    return None, None


def _placed_result(candidate: _Candidate, booking: Booking, rank: int | None) -> DayResult:
    r = candidate.request
    day = rules.format_day(r.day)
    late = _(" Hors délai : une majoration de retard s'appliquera.") if candidate.is_late else ""
    messages = {
        S.RESERVED: _("Réservé le %(day)s pour %(activity)s.") + late,
        S.REQUESTED: _(
            "Demande envoyée au service pour le %(day)s (%(activity)s) : "
            "vous serez prévenu de sa décision."
        )
        + late,
        S.WAITING_LIST: _(
            "Complet le %(day)s pour %(activity)s : inscrit en liste d'attente, "
            "rang %(rank)s. La place sera attribuée automatiquement si elle se "
            "libère."
        ),
    }
    message = messages[S(booking.state)] % {"day": day, "activity": r.activity.name, "rank": rank}
    return DayResult(
        r.child.pk,
        r.activity.pk,
        r.day,
        Outcome(booking.state),
        message,
        booking_id=booking.pk,
        rank=rank,
        is_late=candidate.is_late,
    )
