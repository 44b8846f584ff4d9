"""The booking state machine: which moves are allowed, and which states hold a place."""

from __future__ import annotations

from django.utils.translation import gettext as _

from bookings.exceptions import InvalidTransition
from bookings.models import BookingState as S

# States in which the child occupies one of the day's places.
HOLDS_PLACE = frozenset({S.RESERVED, S.ABSENCE_REQUESTED})
# States a new request may start from: no row yet (None), or a row that no longer counts.
REQUESTABLE = frozenset({None, S.CANCELLED, S.REFUSED})
# States that are billed by default (billing reads this; absence_requested bills as reserved).
BILLED = frozenset({S.RESERVED, S.ABSENCE_REQUESTED, S.ABSENT_BILLED})

ALLOWED: dict[S | None, frozenset[S]] = {
    None: frozenset({S.REQUESTED, S.WAITING_LIST, S.RESERVED}),
    S.CANCELLED: frozenset({S.REQUESTED, S.WAITING_LIST, S.RESERVED}),
    S.REFUSED: frozenset({S.REQUESTED, S.WAITING_LIST, S.RESERVED}),
    S.REQUESTED: frozenset({S.RESERVED, S.REFUSED, S.CANCELLED}),
    S.WAITING_LIST: frozenset({S.RESERVED, S.REFUSED, S.CANCELLED}),
    S.RESERVED: frozenset(
        {S.CANCELLED, S.ABSENCE_REQUESTED, S.ABSENT_EXCUSED, S.ABSENT_BILLED, S.LEAVE}
    ),
    S.ABSENCE_REQUESTED: frozenset({S.ABSENT_EXCUSED, S.ABSENT_BILLED, S.RESERVED, S.CANCELLED}),
    S.ABSENT_BILLED: frozenset({S.ABSENT_EXCUSED, S.CANCELLED}),
    S.ABSENT_EXCUSED: frozenset({S.CANCELLED}),
    S.LEAVE: frozenset({S.RESERVED, S.CANCELLED}),
}


def check_transition(current: str | None, target: str) -> None:
    """Raise InvalidTransition unless the move from `current` to `target` is allowed."""
    current_state = S(current) if current else None
    if S(target) not in ALLOWED.get(current_state, frozenset()):
        current_label = current_state.label if current_state else _("aucune réservation")
        raise InvalidTransition(
            _(
                "Action impossible : la réservation est « %(current)s » et ne peut pas "
                "passer à « %(target)s ». Rechargez la page pour voir son état actuel."
            )
            % {"current": current_label, "target": S(target).label}
        )


def place_delta(current: str | None, target: str) -> int:
    """Return +1 when the move takes a place, -1 when it frees one, else 0."""
    was = current in HOLDS_PLACE
    will = target in HOLDS_PLACE
    return int(will) - int(was)
