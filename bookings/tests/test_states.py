"""Every allowed and refused state transition, and the place each state holds."""

from __future__ import annotations

import itertools

import pytest

from bookings.exceptions import InvalidTransition
from bookings.models import BookingState as S
from bookings.states import ALLOWED, HOLDS_PLACE, check_transition, place_delta

ALL_SOURCES = [None, *S]
PAIRS = list(itertools.product(ALL_SOURCES, list(S)))


# Written out by hand from design.md, independently of bookings.states.ALLOWED.
EXPECTED_ALLOWED = {
    (None, "requested"),
    (None, "waiting_list"),
    (None, "reserved"),
    ("cancelled", "requested"),
    ("cancelled", "waiting_list"),
    ("cancelled", "reserved"),
    ("refused", "requested"),
    ("refused", "waiting_list"),
    ("refused", "reserved"),
    ("requested", "reserved"),
    ("requested", "refused"),
    ("requested", "cancelled"),
    ("waiting_list", "reserved"),
    ("waiting_list", "refused"),
    ("waiting_list", "cancelled"),
    ("reserved", "cancelled"),
    ("reserved", "absence_requested"),
    ("reserved", "absent_excused"),
    ("reserved", "absent_billed"),
    ("reserved", "leave"),
    ("absence_requested", "absent_excused"),
    ("absence_requested", "absent_billed"),
    ("absence_requested", "reserved"),
    ("absence_requested", "cancelled"),
    ("absent_billed", "absent_excused"),
    ("absent_billed", "cancelled"),
    ("absent_excused", "cancelled"),
    ("leave", "reserved"),
    ("leave", "cancelled"),
}


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_transition_table(current, target):
    if (current, str(target)) in EXPECTED_ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition, match="Action impossible"):
            check_transition(current, target)


def test_expected_moves_are_allowed():
    assert S.RESERVED in ALLOWED[None]
    assert S.RESERVED in ALLOWED[S.WAITING_LIST]
    assert S.ABSENT_EXCUSED in ALLOWED[S.ABSENCE_REQUESTED]
    assert S.RESERVED not in ALLOWED[S.ABSENT_BILLED]
    assert S.REQUESTED not in ALLOWED[S.RESERVED]


@pytest.mark.parametrize(
    ("current", "target", "delta"),
    [
        (None, "reserved", 1),
        (None, "waiting_list", 0),
        (None, "requested", 0),
        ("requested", "reserved", 1),
        ("waiting_list", "reserved", 1),
        ("reserved", "cancelled", -1),
        ("reserved", "absence_requested", 0),
        ("reserved", "absent_billed", -1),
        ("reserved", "absent_excused", -1),
        ("reserved", "leave", -1),
        ("absence_requested", "reserved", 0),
        ("absence_requested", "absent_excused", -1),
        ("absence_requested", "cancelled", -1),
        ("absent_billed", "cancelled", 0),
        ("leave", "reserved", 1),
    ],
)
def test_place_delta(current, target, delta):
    assert place_delta(current, target) == delta
    assert (target in HOLDS_PLACE) == (target in {"reserved", "absence_requested"})
