"""Every allowed and refused state transition, and the place each state holds."""

from __future__ import annotations

import itertools

import pytest

from bookings.exceptions import InvalidTransition
from bookings.models import BookingState as S
from bookings.states import ALLOWED, HOLDS_PLACE, check_transition, place_delta

ALL_SOURCES = [None, *S]
PAIRS = list(itertools.product(ALL_SOURCES, list(S)))


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_transition_table(current, target):
    if target in ALLOWED.get(current, frozenset()):
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


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_place_delta_matches_holding_states(current, target):
    expected = int(target in HOLDS_PLACE) - int(current in HOLDS_PLACE)
    assert place_delta(current, target) == expected
