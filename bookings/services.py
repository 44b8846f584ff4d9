"""Every write to enrolments and bookings: one transaction and audit events per call."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import rules
from bookings.exceptions import BookingError, CapacityFull, InvalidTransition
from bookings.models import (
    AbsenceReason,
    Booking,
    BookingSource,
    BookingState,
    Enrolment,
    Presence,
    Slot,
    WeeklyPattern,
)
from bookings.states import HOLDS_PLACE, REQUESTABLE, check_transition, place_delta
from catalog.models import Activity, CalendarDay, Closure, DayKind, Site
from catalog.queries import CalendarSpan, calendar_span, closure_index, windows_by_activity
from core.audit import snapshot
from core.models import AuditEvent
from core.uploads import UploadRefused, check_proof
from families.models import Child, Family

S = BookingState
AUDITED_FIELDS = ("state", "presence", "source", "is_late", "absence_reason", "decision_note")


class Outcome(models.TextChoices):
    """What happened to one requested day, as reported to the user."""

    RESERVED = "reserved", _("Réservé")
    REQUESTED = "requested", _("Envoyé pour validation")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    REFUSED = "refused", _("Refusé")
    UNCHANGED = "unchanged", _("Déjà enregistré")
    NOT_APPLIED = "not_applied", _("Non enregistré")
    CANCELLED = "cancelled", _("Annulé sans frais")
    ABSENCE_REQUESTED = "absence_requested", _("Absence envoyée pour validation")
    ABSENT_EXCUSED = "absent_excused", _("Absent excusé")
    ABSENT_BILLED = "absent_billed", _("Absent facturé")


@dataclass(frozen=True)
class BookingRequest:
    """One day asked for one child in one activity (times only for hour-counted activities)."""

    child: Child
    activity: Activity
    day: date
    planned_arrival: time | None = None
    planned_departure: time | None = None


@dataclass(frozen=True)
class DayResult:
    """The outcome of one day of a request, with the French message that explains it."""

    child_id: int
    activity_id: int
    day: date
    outcome: Outcome
    message: str
    booking_id: int | None = None
    rank: int | None = None
    is_late: bool = False


@dataclass(frozen=True)
class ClosureResult:
    """What a closure did: the closure row, the bookings cancelled, the families to notify."""

    closure: Closure
    cancelled_booking_ids: list[int]
    families: list[Family]


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
# Messages


def _child_and_activity(child: Child, activity: Activity) -> dict[str, str]:
    return {"child": child.first_name, "activity": activity.name}


def _impossible(request: BookingRequest, reason: str) -> str:
    return _("Réservation impossible pour %(child)s le %(day)s pour %(activity)s : %(reason)s") % {
        **_child_and_activity(request.child, request.activity),
        "day": rules.format_day(request.day),
        "reason": reason,
    }


def _day_label(booking: Booking) -> str:
    return _("%(child)s, %(activity)s, %(day)s") % {
        **_child_and_activity(booking.child, booking.activity),
        "day": rules.format_day(booking.day_id),
    }


# ---------------------------------------------------------------------------------------------
# Capacity: one locked counter row per activity and day


def _lock_slots(pairs: Iterable[tuple[Activity, date]]) -> dict[tuple[int, date], Slot]:
    """Create the missing counters, then lock them all in primary-key order (no deadlock)."""
    wanted = {(activity.pk, day): activity for activity, day in pairs}
    if not wanted:
        return {}
    Slot.objects.bulk_create(
        [
            Slot(activity_id=activity_id, day_id=day, capacity=activity.capacity)
            for (activity_id, day), activity in sorted(wanted.items(), key=lambda kv: kv[0])
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    activity_ids = {activity_id for activity_id, _day in wanted}
    days = {day for _activity_id, day in wanted}
    slots: dict[tuple[int, date], Slot] = {}
    locked = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(activity_id__in=activity_ids, day_id__in=days)
        .order_by("pk")
    )
    for slot in locked:
        key = (slot.activity_id, slot.day_id)
        if key in wanted:
            capacity = wanted[key].capacity
            slot._stored = (slot.capacity, slot.taken)  # type: ignore[attr-defined]
            # The activity's capacity may have changed since the counter was made; never set
            # it below the places already taken (the database forbids that).
            slot.capacity = None if capacity is None else max(capacity, slot.taken)
            slots[key] = slot
    return slots


def _has_room(slot: Slot, activity: Activity) -> bool:
    return activity.capacity is None or slot.taken < activity.capacity


def _save_slots(slots: Iterable[Slot]) -> None:
    """Write back only the counters this call changed."""
    changed = [
        slot for slot in slots if getattr(slot, "_stored", None) != (slot.capacity, slot.taken)
    ]
    if changed:
        Slot.objects.bulk_update(changed, ["capacity", "taken"], batch_size=500)


def _waiting_counts(keys: set[tuple[int, date]]) -> dict[tuple[int, date], int]:
    if not keys:
        return {}
    rows = (
        Booking.objects.filter(
            state=S.WAITING_LIST,
            activity_id__in={activity_id for activity_id, _d in keys},
            day_id__in={day for _a, day in keys},
        )
        .values_list("activity_id", "day_id")
        .annotate(n=Count("pk"))
    )
    return {(activity_id, day): n for activity_id, day, n in rows if (activity_id, day) in keys}


def waiting_rank(booking: Booking) -> int:
    """Return the booking's rank on its waiting list (1 = next to be promoted)."""
    earlier = Booking.objects.filter(
        activity_id=booking.activity_id,
        day_id=booking.day_id,
        state=S.WAITING_LIST,
    ).filter(
        models.Q(waitlisted_at__lt=booking.waitlisted_at)
        | models.Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
    )
    return earlier.count() + 1


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


# ---------------------------------------------------------------------------------------------
# Requests


def _booking_event(
    booking: Booking, action: str, by: User | None, before: dict | None, note: str = ""
) -> AuditEvent:
    """Prepare the audit event of one booking change (saved by the caller)."""
    return AuditEvent(
        action=action,
        object_type="bookings.booking",
        object_id=str(booking.pk),
        actor=by,
        family_id=booking.child.family_id,
        before=before,
        after={
            "day": booking.day_id,
            "activity": booking.activity_id,
            **snapshot(booking, AUDITED_FIELDS),
        },
        note=note,
    )


def _events(
    bookings_before: Sequence[tuple[Booking, dict | None]],
    action: str,
    by: User | None,
    note: str = "",
) -> list[AuditEvent]:
    return [_booking_event(b, action, by, before, note) for b, before in bookings_before]


def _check_staff_override(by: User | None, deadline_override: str) -> None:
    if deadline_override and (by is None or by.is_family):
        raise BookingError(_("Seul un agent du service peut passer outre un délai."))


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


# ---------------------------------------------------------------------------------------------
# One booking at a time: decisions, cancellations, promotions


def _locked_booking(booking: Booking) -> tuple[Booking, Slot]:
    """Lock the booking's day counter, then reload the booking as it is now."""
    slot = _lock_slots([(booking.activity, booking.day_id)])[(booking.activity_id, booking.day_id)]
    fresh = Booking.objects.select_related("child", "activity", "activity__site").get(pk=booking.pk)
    return fresh, slot


def _transition(
    booking: Booking,
    target: str,
    slot: Slot,
    *,
    by: User | None,
    action: str,
    now: datetime,
    note: str = "",
) -> AuditEvent:
    """Move one booking to `target` in memory, keeping the counter true; return its event."""
    try:
        check_transition(booking.state or None, target)
    except InvalidTransition as exc:
        raise InvalidTransition(f"{_day_label(booking)} : {exc}") from exc
    before = snapshot(booking, AUDITED_FIELDS) if booking.state else None
    delta = place_delta(booking.state, target)
    if delta > 0 and not _has_room(slot, booking.activity):
        raise CapacityFull(
            _(
                "Plus de place le %(day)s pour %(activity)s (%(capacity)s places) : "
                "laissez la demande en liste d'attente ou refusez-la."
            )
            % {
                "day": rules.format_day(booking.day_id),
                "activity": booking.activity.name,
                "capacity": booking.activity.capacity,
            }
        )
    slot.taken += delta
    booking.state = target
    if target != S.WAITING_LIST:
        booking.waitlisted_at = None
    if note:
        booking.decision_note = note
    booking.decided_at = now
    booking.decided_by = by
    return _booking_event(booking, action, by, before, note)


def _move(
    booking: Booking,
    target: str,
    slot: Slot,
    *,
    by: User | None,
    action: str,
    now: datetime,
    note: str = "",
) -> None:
    """Move one booking to `target` and save it with its audit event."""
    event = _transition(booking, target, slot, by=by, action=action, now=now, note=note)
    booking.save()
    event.object_id = str(booking.pk)
    event.save()


TRANSITION_FIELDS = [
    "state",
    "waitlisted_at",
    "decision_note",
    "decided_at",
    "decided_by",
    "absence_reason",
    "absence_note",
    "absence_proof",
    "updated_at",
]


def _save_transitions(bookings: list[Booking], events: list[AuditEvent]) -> None:
    """Write moved bookings and their events in a constant number of statements."""
    now = timezone.now()
    for booking in bookings:
        booking.updated_at = now
    Booking.objects.bulk_update(bookings, TRANSITION_FIELDS, batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=500)


def _promote_where_waiting(
    slots: dict[tuple[int, date], Slot], *, by: User | None, now: datetime
) -> None:
    """Promote from the waiting lists of the given (locked) days that have anyone waiting."""
    for key, count in _waiting_counts(set(slots)).items():
        if count:
            _promote(slots[key], slots[key].activity, by=by, now=now)


def _promote(slot: Slot, activity: Activity, *, by: User | None, now: datetime) -> list[Booking]:
    """Give freed places to the waiting list, oldest first (slot already locked)."""
    if activity.capacity is None:
        free = None
    else:
        free = activity.capacity - slot.taken
        if free <= 0:
            return []
    waiting = (
        Booking.objects.select_related("child", "activity")
        .filter(activity_id=slot.activity_id, day_id=slot.day_id, state=S.WAITING_LIST)
        .order_by("waitlisted_at", "pk")
    )
    if free is not None:
        waiting = waiting[:free]
    promoted = list(waiting)
    for booking in promoted:
        _move(
            booking,
            S.RESERVED,
            slot,
            by=by,
            action="booking.promoted",
            now=now,
            note=_("Place libérée : attribuée depuis la liste d'attente."),
        )
    return promoted


def promote_waiting_list(
    *, activity: Activity, day: date, by: User | None, now: datetime | None = None
) -> list[Booking]:
    """Fill the free places of a day from its waiting list, oldest first."""
    with transaction.atomic(durable=True):
        slot = _lock_slots([(activity, day)])[(activity.pk, day)]
        promoted = _promote(slot, activity, by=by, now=now or timezone.now())
        slot.save(update_fields=["capacity", "taken"])
        return promoted


def approve_request(
    *, booking: Booking, by: User, note: str = "", now: datetime | None = None
) -> Booking:
    """Accept a pending reservation (or waiting-list place) or a pending absence."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking, slot = _locked_booking(booking)
        targets = {
            S.REQUESTED: S.RESERVED,
            S.WAITING_LIST: S.RESERVED,
            S.ABSENCE_REQUESTED: S.ABSENT_EXCUSED,
        }
        target = targets.get(S(booking.state))
        if target is None:
            raise BookingError(_already_processed(booking))
        _move(booking, target, slot, by=by, action="booking.approved", now=now, note=note)
        _promote(slot, booking.activity, by=by, now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def refuse_request(
    *, booking: Booking, by: User, reason: str, now: datetime | None = None
) -> Booking:
    """Refuse a pending reservation (reason required) or a pending absence (then billed)."""
    if not reason.strip():
        raise BookingError(_("Indiquez le motif du refus : il sera communiqué à la famille."))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking, slot = _locked_booking(booking)
        targets = {
            S.REQUESTED: S.REFUSED,
            S.WAITING_LIST: S.REFUSED,
            S.ABSENCE_REQUESTED: S.ABSENT_BILLED,
        }
        target = targets.get(S(booking.state))
        if target is None:
            raise BookingError(_already_processed(booking))
        _move(booking, target, slot, by=by, action="booking.refused", now=now, note=reason.strip())
        _promote(slot, booking.activity, by=by, now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def cancel_request(*, booking: Booking, by: User | None, now: datetime | None = None) -> Booking:
    """Withdraw a pending request: a reservation request, a waiting-list place or an absence."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking, slot = _locked_booking(booking)
        targets = {
            S.REQUESTED: S.CANCELLED,
            S.WAITING_LIST: S.CANCELLED,
            S.ABSENCE_REQUESTED: S.RESERVED,
        }
        target = targets.get(S(booking.state))
        if target is None:
            raise BookingError(
                _("Il n'y a pas de demande en attente à annuler pour %(day)s (état : %(state)s).")
                % {"day": _day_label(booking), "state": S(booking.state).label}
            )
        if target == S.RESERVED:
            booking.absence_reason = None
            booking.absence_note = ""
        _move(booking, target, slot, by=by, action="booking.request_cancelled", now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def _already_processed(booking: Booking) -> str:
    return _("Cette demande (%(day)s) a déjà été traitée : son état est « %(state)s ».") % {
        "day": _day_label(booking),
        "state": S(booking.state).label,
    }


# ---------------------------------------------------------------------------------------------
# Absences


def _store_proof(proof: File) -> str:
    try:
        extension = check_proof(proof)
    except UploadRefused as exc:
        raise BookingError(str(exc)) from exc
    today = timezone.localdate()
    name = f"absences/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, proof)


def declare_absence(
    *,
    bookings: Sequence[Booking],
    reason: AbsenceReason,
    by: User | None,
    note: str = "",
    proof: File | None = None,
    deadline_override: str = "",
    now: datetime | None = None,
) -> list[DayResult]:
    """Declare reserved days absent: cancelled before the deadline, else excused or billed."""
    _check_staff_override(by, deadline_override)
    if not bookings:
        return []
    now = now or timezone.now()
    proof_name = _store_proof(proof) if proof is not None else ""
    try:
        return _declare_absence(
            bookings=bookings,
            reason=reason,
            by=by,
            note=note,
            proof_name=proof_name,
            deadline_override=deadline_override,
            now=now,
        )
    except Exception:
        # Nothing was written: do not keep a proof no booking points to.
        if proof_name:
            default_storage.delete(proof_name)
        raise


def _declare_absence(
    *,
    bookings: Sequence[Booking],
    reason: AbsenceReason,
    by: User | None,
    note: str,
    proof_name: str,
    deadline_override: str,
    now: datetime,
) -> list[DayResult]:
    with transaction.atomic(durable=True):
        ordered = sorted(bookings, key=lambda b: (b.child_id, b.activity_id, b.day_id))
        activities = Activity.objects.in_bulk({b.activity_id for b in ordered})
        slots = _lock_slots((activities[b.activity_id], b.day_id) for b in ordered)
        fresh = Booking.objects.select_related(
            "child__family", "activity__cancellation_rule"
        ).in_bulk([b.pk for b in ordered])
        if len(fresh) < len({b.pk for b in ordered}):
            raise BookingError(_("Une des réservations n'existe plus : rechargez la page."))
        first = min(b.day_id for b in ordered)
        calendar = calendar_span(first, max(b.day_id for b in ordered))
        carence_used = _carence_already_used(list(fresh.values()), reason)
        results: list[DayResult] = []
        moved: list[Booking] = []
        events: list[AuditEvent] = []
        for booking in (fresh[b.pk] for b in ordered):
            if booking.state != S.RESERVED:
                results.append(_absence_refused(booking))
                continue
            target, message = _absence_outcome(
                booking,
                reason,
                calendar,
                carence_used,
                has_proof=bool(proof_name),
                override=bool(deadline_override),
                now=now,
            )
            booking.absence_reason = reason
            booking.absence_note = note.strip()
            if proof_name:
                booking.absence_proof.name = proof_name
            slot = slots[(booking.activity_id, booking.day_id)]
            events.append(
                _transition(
                    booking,
                    target,
                    slot,
                    by=by,
                    action="booking.absence_declared",
                    now=now,
                    note=deadline_override,
                )
            )
            moved.append(booking)
            results.append(
                DayResult(
                    booking.child_id,
                    booking.activity_id,
                    booking.day_id,
                    Outcome(target),
                    message,
                    booking_id=booking.pk,
                )
            )
        _save_transitions(moved, events)
        _promote_where_waiting(slots, by=by, now=now)
        _save_slots(slots.values())
        return results


ABSENT_STATES = (S.ABSENT_BILLED, S.ABSENT_EXCUSED, S.ABSENCE_REQUESTED)
# An illness declared again within this many days continues the same episode (one carence).
EPISODE_GAP = timedelta(days=4)


def _carence_already_used(
    bookings: list[Booking], reason: AbsenceReason
) -> dict[tuple[int, int], int]:
    """Count carence days already spent when this absence continues an earlier one."""
    used: dict[tuple[int, int], int] = defaultdict(int)
    if not reason.applies_carence:
        return used
    firsts: dict[tuple[int, int], date] = {}
    for booking in bookings:
        key = (booking.child_id, booking.activity_id)
        firsts[key] = min(firsts.get(key, booking.day_id), booking.day_id)
    for (child_id, activity_id), first in firsts.items():
        previous = (
            Booking.objects.filter(
                child_id=child_id,
                activity_id=activity_id,
                day_id__lt=first,
                day_id__gte=first - EPISODE_GAP,
            )
            .exclude(state=S.CANCELLED)
            .order_by("-day_id")
            .select_related("absence_reason")
            .first()
        )
        if (
            previous is not None
            and previous.state in ABSENT_STATES
            and previous.absence_reason is not None
            and previous.absence_reason.applies_carence
        ):
            # The episode goes on: its carence days were counted when it began.
            used[(child_id, activity_id)] = 10_000
    return used


def _absence_refused(booking: Booking) -> DayResult:
    if booking.state in {S.REQUESTED, S.WAITING_LIST}:
        message = _(
            "%(day)s : la réservation n'est pas encore accordée ; annulez la demande "
            "au lieu de déclarer une absence."
        )
    else:
        message = _("%(day)s : aucune réservation à déclarer absente (état : %(state)s).")
    return DayResult(
        booking.child_id,
        booking.activity_id,
        booking.day_id,
        Outcome.REFUSED,
        message % {"day": _day_label(booking), "state": S(booking.state).label},
        booking_id=booking.pk,
    )


def _absence_outcome(
    booking: Booking,
    reason: AbsenceReason,
    calendar: CalendarSpan,
    carence_used: dict[tuple[int, int], int],
    *,
    has_proof: bool,
    override: bool,
    now: datetime,
) -> tuple[str, str]:
    """Decide the state of one absent day and the message that explains it."""
    activity = booking.activity
    values = {"day": _day_label(booking)}
    rule = activity.cancellation_rule
    check = (
        rules.DeadlineCheck(allowed=True, deadline=None)
        if override or rule is None
        else rules.check_deadline(rule.as_rule(), booking.day_id, calendar, now=now)
    )
    if check.allowed:
        return S.CANCELLED, _("%(day)s : annulé dans les délais, non facturé.") % values
    values["when"] = rules.format_instant(check.deadline) if check.deadline else ""
    if not reason.is_justified:
        return S.ABSENT_BILLED, _(
            "%(day)s : délai d'annulation dépassé depuis le %(when)s, l'absence sera facturée."
        ) % values
    key = (booking.child_id, activity.pk)
    if reason.applies_carence and carence_used[key] < activity.carence_days:
        carence_used[key] += 1
        values["n"] = str(activity.carence_days)
        return S.ABSENT_BILLED, _(
            "%(day)s : jour de carence (les %(n)s premiers jours d'absence sont facturés)."
        ) % values
    if (reason.requires_proof and not has_proof) or (
        activity.absence_validation_mode == Activity.ValidationMode.STAFF
    ):
        suffix = (
            _(" Joignez le justificatif pour qu'elle soit excusée.")
            if reason.requires_proof and not has_proof
            else ""
        )
        return S.ABSENCE_REQUESTED, (
            _("%(day)s : absence justifiée envoyée au service pour validation.") % values
        ) + suffix
    return S.ABSENT_EXCUSED, _("%(day)s : absence excusée, non facturée.") % values


def declare_leave(
    *, bookings: Sequence[Booking], by: User | None, now: datetime | None = None
) -> list[Booking]:
    """Mark contract days of an hour-counted activity (crèche) as leave (« Congé »)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        activities = Activity.objects.in_bulk({b.activity_id for b in bookings})
        slots = _lock_slots((activities[b.activity_id], b.day_id) for b in bookings)
        fresh = Booking.objects.select_related("child", "activity").in_bulk(
            [b.pk for b in bookings]
        )
        changed: list[Booking] = []
        events: list[AuditEvent] = []
        for booking in sorted(fresh.values(), key=lambda b: (b.day_id, b.pk)):
            if not booking.activity.counted_in_hours:
                raise BookingError(
                    _("%(day)s : les congés ne concernent que l'accueil à l'heure (crèche).")
                    % {"day": _day_label(booking)}
                )
            slot = slots[(booking.activity_id, booking.day_id)]
            events.append(
                _transition(booking, S.LEAVE, slot, by=by, action="booking.leave", now=now)
            )
            changed.append(booking)
        _save_transitions(changed, events)
        _promote_where_waiting(slots, by=by, now=now)
        _save_slots(slots.values())
        return changed


# ---------------------------------------------------------------------------------------------
# Weekly patterns, closures, attendance


def apply_weekly_pattern(
    *,
    enrolment: Enrolment,
    weekdays: Iterable[int],
    starts_on: date,
    ends_on: date | None = None,
    by: User | None,
    source: str = BookingSource.PATTERN,
    now: datetime | None = None,
) -> tuple[WeeklyPattern, list[DayResult]]:
    """Book the chosen weekdays of every running day of a period; report per day."""
    chosen = sorted(set(weekdays))
    if not chosen or any(not 0 <= w <= 6 for w in chosen):
        raise BookingError(_("Choisissez au moins un jour de la semaine (lundi à dimanche)."))
    now = now or timezone.now()
    year = enrolment.school_year
    last = min(d for d in (ends_on, year.ends_on, enrolment.ends_on) if d is not None)
    first = max(
        d
        for d in (starts_on, year.starts_on, enrolment.starts_on, timezone.localdate(now))
        if d is not None
    )
    if first > last:
        raise BookingError(
            _(
                "La période du %(first)s au %(last)s est vide ou déjà passée : choisissez des "
                "dates dans l'année scolaire %(year)s."
            )
            % {
                "first": rules.format_day(starts_on),
                "last": rules.format_day(last),
                "year": year.label,
            }
        )
    activity = Activity.objects.select_related("booking_rule", "site").get(pk=enrolment.activity_id)
    child = Child.objects.select_related("family").get(pk=enrolment.child_id)
    running = CalendarDay.objects.filter(
        date__gte=first, date__lte=last, kind__in=activity.day_kinds
    ).values_list("date", flat=True)
    days = [d for d in running if d.weekday() in chosen and d.weekday() in activity.weekdays]
    with transaction.atomic(durable=True):
        pattern = WeeklyPattern.objects.create(
            enrolment=enrolment, weekdays=chosen, starts_on=first, ends_on=last
        )
        AuditEvent.objects.create(
            action="pattern.applied",
            object_type="bookings.weeklypattern",
            object_id=str(pattern.pk),
            actor=by,
            family_id=child.family_id,
            after={
                "weekdays": chosen,
                "starts_on": str(first),
                "ends_on": str(last),
                "enrolment": enrolment.pk,
            },
        )
        requests = [BookingRequest(child=child, activity=activity, day=d) for d in days]
        results = (
            _request_bookings(
                requests=requests,
                by=by,
                source=source,
                all_or_nothing=False,
                deadline_override="",
                now=now,
            )
            if requests
            else []
        )
        return pattern, results


def close_days(
    *,
    starts_on: date,
    ends_on: date,
    reason: str,
    by: User | None,
    activity: Activity | None = None,
    site: Site | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ClosureResult:
    """Close an activity or a site; cancel the affected bookings free of charge."""
    if (activity is None) == (site is None):
        raise BookingError(_("Choisissez soit une activité, soit un site à fermer."))
    if ends_on < starts_on:
        raise BookingError(
            _("La fermeture se termine le %(end)s, avant son début le %(start)s.")
            % {"end": rules.format_day(ends_on), "start": rules.format_day(starts_on)}
        )
    if reason not in Closure.Reason.values:
        raise BookingError(_("Motif de fermeture inconnu."))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        closure = Closure.objects.create(
            activity=activity,
            site=site,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            note=note,
            created_by=by,
        )
        AuditEvent.objects.create(
            action="closure.created",
            object_type="catalog.closure",
            object_id=str(closure.pk),
            actor=by,
            after={
                "activity": activity.pk if activity else None,
                "site": site.pk if site else None,
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
                "reason": reason,
                "note": note,
            },
        )
        # Lock every counter of the closed span first (creating missing ones), so a request
        # or a decision that commits meanwhile is either seen here or sees the closure.
        activities = [activity] if activity else list(Activity.objects.filter(site=site))
        days = CalendarDay.objects.filter(date__gte=starts_on, date__lte=ends_on).values_list(
            "date", flat=True
        )
        slots = _lock_slots((a, d) for a in activities for d in days)
        affected = Booking.objects.filter(
            activity__in=activities, day_id__gte=starts_on, day_id__lte=ends_on
        ).exclude(state__in=[S.CANCELLED, S.REFUSED])
        rows = list(affected.select_related("child__family", "activity"))
        label = _("Fermeture (%(reason)s)") % {"reason": closure.get_reason_display()}
        if note:
            label = f"{label} : {note}"
        befores = []
        for booking in rows:
            check_transition(booking.state, S.CANCELLED)
            befores.append((booking, snapshot(booking, AUDITED_FIELDS)))
            slots[(booking.activity_id, booking.day_id)].taken += place_delta(
                booking.state, S.CANCELLED
            )
            booking.state = S.CANCELLED
            booking.waitlisted_at = None
            booking.decision_note = label[:500]
            booking.decided_at = now
            booking.decided_by = by
        Booking.objects.bulk_update(
            rows,
            ["state", "waitlisted_at", "decision_note", "decided_at", "decided_by"],
            batch_size=500,
        )
        _save_slots(slots.values())
        AuditEvent.objects.bulk_create(
            _events(befores, "booking.closed", by, note=label), batch_size=500
        )
        families = {b.child.family.pk: b.child.family for b in rows}
        return ClosureResult(
            closure=closure,
            cancelled_booking_ids=[b.pk for b in rows],
            families=sorted(families.values(), key=lambda f: f.identifier),
        )


def _set_presence(booking: Booking, presence: str, by: User) -> Booking:
    """Record presence on a locked booking, audited; a repeated tap changes nothing."""
    if booking.presence == presence:
        return booking
    before = snapshot(booking, AUDITED_FIELDS)
    booking.presence = presence
    booking.save(update_fields=["presence", "updated_at"])
    _booking_event(booking, "booking.presence", by, before).save()
    return booking


def record_presence(
    *, booking: Booking, presence: str, by: User, now: datetime | None = None
) -> Booking:
    """Record a child present or absent on a booked day (idempotent)."""
    if presence not in Presence.values:
        raise BookingError(_("Présence inconnue."))
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update().select_related("child").get(pk=booking.pk)
        return _set_presence(booking, presence, by)


def record_walk_in(
    *, child: Child, activity: Activity, day: date, by: User, now: datetime | None = None
) -> Booking:
    """Record a child present without booking (billed with the walk-in surcharge)."""
    now = now or timezone.now()
    values = {**_child_and_activity(child, activity), "day": rules.format_day(day)}
    with transaction.atomic(durable=True):
        calendar_day = CalendarDay.objects.filter(date=day).first()
        if calendar_day is None:
            raise BookingError(_("Le %(day)s est en dehors de l'année scolaire.") % values)
        closure = closure_index(day, day).closure_for(activity, day)
        if (
            calendar_day.kind == DayKind.PUBLIC_HOLIDAY
            or closure is not None
            or not activity.runs_on(day, calendar_day.kind)
        ):
            raise BookingError(
                _(
                    "%(activity)s n'a pas lieu le %(day)s (fermeture ou jour sans activité) : "
                    "pointage impossible."
                )
                % values
            )
        enrolment = Enrolment.objects.filter(
            child=child, activity=activity, school_year_id=calendar_day.school_year_id
        ).first()
        if enrolment is None:
            raise BookingError(
                _("%(child)s n'est pas inscrit à %(activity)s : inscrivez-le avant de le pointer.")
                % _child_and_activity(child, activity)
            )
        slot = _lock_slots([(activity, day)])[(activity.pk, day)]
        booking = Booking.objects.filter(child=child, activity=activity, day_id=day).first()
        if booking is not None and booking.state in HOLDS_PLACE:
            return _set_presence(booking, Presence.PRESENT, by)
        if booking is None:
            booking = Booking(
                child=child, activity=activity, enrolment=enrolment, day_id=day, state=""
            )
        booking.source = BookingSource.WALK_IN
        booking.presence = Presence.PRESENT
        _move(booking, S.RESERVED, slot, by=by, action="booking.walk_in", now=now)
        slot.save(update_fields=["capacity", "taken"])
        return booking


def refresh_booking(booking: Booking) -> Booking:
    """Return the booking as stored now (for callers that hold a stale copy)."""
    return Booking.objects.select_related("child", "activity").get(pk=booking.pk)


__all__ = [
    "BookingRequest",
    "ClosureResult",
    "DayResult",
    "Outcome",
    "apply_weekly_pattern",
    "approve_request",
    "cancel_request",
    "close_days",
    "declare_absence",
    "declare_leave",
    "promote_waiting_list",
    "record_presence",
    "record_walk_in",
    "refuse_request",
    "request_bookings",
    "waiting_rank",
]
