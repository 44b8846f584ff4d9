"""Map a booking (or its absence) to the seed's legend status: pure, shared by every screen."""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import BookingSource, BookingState, Presence

S = BookingState


class Legend(models.TextChoices):
    """The statuses of the planning grid, worded as in the commune's letter."""

    EMPTY = "empty", _("Non réservé")
    RESERVED = "reserved", _("Réservé")
    REGULAR = "regular", _("Régulier")
    REQUESTED = "requested", _("Demande en attente")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    REFUSED = "refused", _("Réservation refusée")
    ABSENCE_REQUESTED = "absence_requested", _("Absence en cours de traitement")
    ABSENT_EXCUSED = "absent_excused", _("Absent excusé")
    ABSENT_BILLED = "absent_billed", _("Absent facturé")
    CLOSED = "closed", _("Fermeture")
    LEAVE = "leave", _("Congé")
    BEYOND_CONTRACT = "beyond_contract", _("Heure hors contrat")
    ERROR = "error", _("Erreur")
    WALK_IN = "walk_in", _("Présent sans réservation")


_BY_STATE = {
    S.REQUESTED: Legend.REQUESTED,
    S.WAITING_LIST: Legend.WAITING_LIST,
    S.REFUSED: Legend.REFUSED,
    S.ABSENCE_REQUESTED: Legend.ABSENCE_REQUESTED,
    S.ABSENT_EXCUSED: Legend.ABSENT_EXCUSED,
    S.ABSENT_BILLED: Legend.ABSENT_BILLED,
    S.LEAVE: Legend.LEAVE,
}
_ABSENT_STATES = frozenset({S.ABSENT_EXCUSED, S.ABSENT_BILLED, S.LEAVE, S.CANCELLED})


def beyond_contract(
    planned: tuple[time | None, time | None], contract: tuple[time, time] | None
) -> bool:
    """Tell whether planned crèche times go outside the contract's times for that weekday."""
    arrival, departure = planned
    if arrival is None or departure is None:
        return False
    if contract is None:
        return True
    return arrival < contract[0] or departure > contract[1]


def legend_for(
    *,
    state: str | None,
    source: str | None = None,
    presence: str = Presence.UNKNOWN,
    closed: bool = False,
    is_beyond_contract: bool = False,
) -> Legend:
    """Return the legend status of a grid cell from its booking and its day."""
    present = presence == Presence.PRESENT
    # A child recorded present on a closed day, or present while declared absent, is an
    # inconsistency staff must look at, never silently shown as normal.
    if present and (closed or state in _ABSENT_STATES):
        return Legend.ERROR
    if closed:
        return Legend.CLOSED
    if state is None or state == S.CANCELLED:
        return Legend.EMPTY
    if state == S.RESERVED:
        if source == BookingSource.WALK_IN:
            return Legend.WALK_IN
        if is_beyond_contract:
            return Legend.BEYOND_CONTRACT
        return Legend.REGULAR if source == BookingSource.PATTERN else Legend.RESERVED
    return _BY_STATE[S(state)]
