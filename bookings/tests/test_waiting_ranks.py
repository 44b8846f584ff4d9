"""The waiting rank the family planning and the staff inbox show is the promotion order."""

from __future__ import annotations

from datetime import date

from bookings.queries.inbox import waiting_ranks
from bookings.queries.planning import month_planning
from bookings.services import BookingRequest, Outcome, request_bookings, waiting_rank
from conftest import booking_of, enrol, paris
from families.models import Child

WEDNESDAY = date(2026, 4, 15)


def test_planning_and_inbox_ranks_follow_the_waiting_order(
    child, sibling, wednesday_alsh, school_year, parent
) -> None:
    wednesday_alsh.capacity = 1
    wednesday_alsh.save()
    third = Child.objects.create(
        family=child.family, first_name="Inès", last_name="Dupont", birth_date=date(2016, 5, 1)
    )
    kids = [child, sibling, third]
    for kid in kids:
        enrol(kid, wednesday_alsh, school_year)
    results = [
        request_bookings(
            requests=[BookingRequest(kid, wednesday_alsh, WEDNESDAY)],
            by=parent,
            now=paris(2026, 4, 1, 9, minute),
        )[0]
        for minute, kid in enumerate(kids)
    ]
    assert [r.outcome for r in results] == [Outcome.RESERVED, *[Outcome.WAITING_LIST] * 2]
    waiting = [booking_of(r) for r in results[1:]]
    ranks = waiting_ranks([(wednesday_alsh.pk, WEDNESDAY)])
    assert ranks == {waiting[0].pk: 1, waiting[1].pk: 2}
    assert [waiting_rank(b) for b in waiting] == [1, 2]
    for kid, expected in ((sibling, 1), (third, 2)):
        planning = month_planning(kid, 2026, 4, now=paris(2026, 4, 1, 10))
        [cell] = [
            c
            for group in planning.groups
            for row in group.rows
            for c in row.cells
            if c.day == WEDNESDAY and c.booking
        ]
        assert cell.rank == expected
