"""The grid's legend statuses, derived from booking rows and the calendar."""

from __future__ import annotations

from datetime import time

import pytest

from bookings.legend import Legend, beyond_contract, legend_for


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"state": None}, Legend.EMPTY),
        ({"state": "cancelled"}, Legend.EMPTY),
        ({"state": "reserved", "source": "family"}, Legend.RESERVED),
        ({"state": "reserved", "source": "pattern"}, Legend.REGULAR),
        ({"state": "reserved", "source": "walk_in", "presence": "present"}, Legend.WALK_IN),
        (
            {"state": "reserved", "source": "family", "is_beyond_contract": True},
            Legend.BEYOND_CONTRACT,
        ),
        ({"state": "requested"}, Legend.REQUESTED),
        ({"state": "waiting_list"}, Legend.WAITING_LIST),
        ({"state": "refused"}, Legend.REFUSED),
        ({"state": "absence_requested"}, Legend.ABSENCE_REQUESTED),
        ({"state": "absent_excused"}, Legend.ABSENT_EXCUSED),
        ({"state": "absent_billed"}, Legend.ABSENT_BILLED),
        ({"state": "leave"}, Legend.LEAVE),
        ({"state": None, "closed": True}, Legend.CLOSED),
        ({"state": "cancelled", "closed": True}, Legend.CLOSED),
        ({"state": "cancelled", "closed": True, "presence": "present"}, Legend.ERROR),
        ({"state": "absent_billed", "presence": "present"}, Legend.ERROR),
        ({"state": "reserved", "source": "family", "presence": "present"}, Legend.RESERVED),
    ],
)
def test_legend_for(kwargs, expected):
    assert legend_for(**kwargs) == expected


def test_beyond_contract():
    contract = (time(8, 30), time(16, 30))
    assert not beyond_contract((time(8, 30), time(16, 30)), contract)
    assert beyond_contract((time(8, 30), time(18, 0)), contract)
    assert beyond_contract((time(7, 45), time(16, 0)), contract)
    assert beyond_contract((time(9, 0), time(12, 0)), None)
    assert not beyond_contract((None, None), contract)
