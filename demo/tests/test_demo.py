"""Test the demo commune: idempotent, Dupont's planning shows every legend status of the seed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db.models import Q

from accounts.models import User
from bookings.legend import Legend
from bookings.models import Booking
from bookings.queries import month_planning
from bookings.rules import PARIS
from catalog.models import Closure
from demo.generator import DEMO_PASSWORD, DUPONT_IDENTIFIER, generate
from families.models import Child, Family, Guardian

# Every status of the seed's legend, as the planning grid shows them, and the ✓ marker of a
# child recorded present on a booked day.
LEGEND = {*Legend.values} - {Legend.EMPTY} | {"present"}


def dupont_legend(window: tuple[date, date], now: datetime) -> set[str]:
    """Return the legend statuses on the Dupont children's planning grid over whole months."""
    found: set[str] = set()
    for child in Child.objects.filter(family__identifier=DUPONT_IDENTIFIER):
        month = window[0].replace(day=1)
        while month <= window[1]:
            planning = month_planning(child, month.year, month.month, now=now)
            for cell in (c for g in planning.groups for r in g.rows for c in r.cells):
                if cell.legend != Legend.EMPTY:
                    found.add(cell.legend)
                if cell.present and cell.legend in {Legend.RESERVED, Legend.REGULAR}:
                    found.add("present")
            month = planning.next_month
    return found


def closed_with_cancelled_booking(window: tuple[date, date]) -> bool:
    """Tell whether a closure cancelled one of Dupont's bookings in the window."""
    cancelled = Booking.objects.filter(
        child__family__identifier=DUPONT_IDENTIFIER,
        state="cancelled",
        day_id__gte=window[0],
        day_id__lte=window[1],
    ).select_related("activity")
    return any(
        Closure.objects.filter(
            Q(activity_id=b.activity_id) | Q(site_id=b.activity.site_id),
            starts_on__lte=b.day_id,
            ends_on__gte=b.day_id,
        ).exists()
        for b in cancelled
    )


def month_window(today: date) -> tuple[date, date]:
    """Return the current and next month, as the portal's planning opens."""
    first = today.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    end = date(after.year + after.month // 12, after.month % 12 + 1, 1)
    return first, date.fromordinal(end.toordinal() - 1)


@pytest.mark.django_db
def test_demo_loads_once_with_logins_and_every_legend_status_this_month_and_next() -> None:
    summary = generate(families=25, seed=7)

    assert summary.created
    assert summary.missing == ()
    assert Family.objects.count() == 25
    assert 25 * 1.1 <= Child.objects.count() <= 25 * 2.5
    assert 25 <= Guardian.objects.count() <= 50
    assert Guardian.objects.filter(is_payer=True).count() == 25
    assert summary.bookings > 25 * 10
    jean = User.objects.get(username=DUPONT_IDENTIFIER)
    assert jean.role == User.Role.FAMILY
    assert jean.check_password(DEMO_PASSWORD)
    assert jean.guardian.is_payer
    assert jean.guardian.family.guardians.count() == 2
    children = sorted(jean.guardian.family.children.values_list("first_name", flat=True))
    assert children == ["Lucas", "Léa"]
    roles = dict(User.objects.filter(is_staff=True).values_list("username", "role"))
    assert roles == {
        "agent": User.Role.EDUCATION_AGENT,
        "petiteenfance": User.Role.EARLY_CHILDHOOD_AGENT,
        "animateur": User.Role.SITE_STAFF,
        "finance": User.Role.FINANCE,
        "admin": User.Role.ADMINISTRATOR,
    }
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="animateur").sites.count() == 1
    assert User.objects.get(username="agent").has_perm("bookings.view_booking")
    now = datetime.now(tz=PARIS)
    assert summary.window is not None
    assert summary.window[1] == month_window(now.date())[1]
    assert dupont_legend(summary.window, now) == LEGEND
    assert closed_with_cancelled_booking(summary.window)

    again = generate(families=25, seed=7)

    assert not again.created
    assert (again.families, again.bookings) == (25, summary.bookings)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 4, 16, 45, tzinfo=PARIS),  # three school days gone, Christmas next
        datetime(2026, 12, 18, 19, 0, tzinfo=PARIS),  # last evening before Christmas holidays
        datetime(2027, 3, 1, 7, 30, tzinfo=PARIS),  # Monday 1st: no past day this month
        datetime(2027, 7, 20, 10, 0, tzinfo=PARIS),  # summer: no school this month or next
        datetime(2026, 9, 2, 9, 0, tzinfo=PARIS),  # the day after the rentrée
    ],
)
def test_every_legend_status_whatever_the_day(moment: datetime) -> None:
    with time_machine.travel(moment):
        summary = generate(families=12, seed=3)

    assert summary.missing == ()
    assert summary.window is not None
    current = month_window(moment.date())
    assert summary.window[1] == current[1]
    if moment.day > 3:
        assert summary.window[0] == current[0]
    assert dupont_legend(summary.window, moment) == LEGEND
    assert closed_with_cancelled_booking(summary.window)
