"""The dashboard: today's figures per site and activity, pending requests, capacity, closures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.tests.conftest import client_for
from backoffice.tests.test_headcount import book, make_child, parse_tables, second_canteen
from bookings.models import Booking, Presence, Slot
from bookings.models import BookingState as S
from bookings.queries.dashboard import dashboard
from catalog.models import Closure
from conftest import paris

TODAY = date(2026, 4, 2)  # Thursday
NEXT_WEDNESDAY = date(2026, 4, 8)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(paris(2026, 4, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def today_bookings(family, child, sibling, canteen, school, school_year, wednesday_alsh):
    """Canteen today: 4 expected (1 present, 1 absent, 2 unmarked); pending requests."""
    present = book(child, canteen, TODAY)
    Booking.objects.filter(pk=present.pk).update(presence=Presence.PRESENT)
    absent = book(sibling, canteen, TODAY)
    Booking.objects.filter(pk=absent.pk).update(presence=Presence.ABSENT)
    book(make_child(family, school), canteen, TODAY)
    book(make_child(family, school), canteen, TODAY, S.ABSENCE_REQUESTED)
    book(make_child(family, school), canteen, TODAY, S.CANCELLED)
    book(make_child(family, school), canteen, TODAY, S.REQUESTED)
    book(make_child(family, school), canteen, date(2026, 4, 3), S.REQUESTED)
    book(make_child(family, school), wednesday_alsh, NEXT_WEDNESDAY)
    book(make_child(family, school), wednesday_alsh, NEXT_WEDNESDAY)
    book(make_child(family, school), wednesday_alsh, NEXT_WEDNESDAY, S.WAITING_LIST)
    book(make_child(family, school), wednesday_alsh, date(2026, 3, 25), S.WAITING_LIST)
    return canteen


def test_today_counts_expected_present_absent_and_unmarked(today_bookings, agent) -> None:
    board = dashboard(agent, TODAY)
    [site] = board.sites  # the ALSH does not run on Thursdays
    [line] = site.activities
    assert (line.expected, line.present, line.absent, line.unmarked) == (4, 1, 1, 2)
    assert line.closed == ""
    assert board.not_running == 1


def test_pending_requests_by_kind(today_bookings, agent) -> None:
    pending = dashboard(agent, TODAY).pending
    # The waiting list of a past Wednesday no longer matters.
    assert (pending.requested, pending.absence_requested, pending.waiting_list) == (2, 1, 1)


def test_page_shows_figures_and_links_to_the_inbox(today_bookings, agent_client, school) -> None:
    response = agent_client.get(reverse("backoffice:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "jeudi 2 avril 2026" in html
    tables = parse_tables(html)
    today = next(t for t in tables if t[0][0] == "Activité" and t[0][1] == "Attendus")
    assert today[1][:5] == ["Restauration scolaire", "4", "1", "1", "2"]
    assert "À pointer" in today[1][5]
    assert f"<caption>{school.name}</caption>" in html
    inbox = reverse("backoffice:inbox")
    assert f'href="{inbox}?kind=requested"' in html
    assert f'href="{inbox}?kind=absence_requested"' in html
    assert f'href="{inbox}?kind=waiting_list&amp;day_from=2026-04-02"' in html
    assert "Demandes de réservation" in html


def test_capacity_of_the_busiest_day_per_week(today_bookings, agent, wednesday_alsh) -> None:
    board = dashboard(agent, TODAY)
    assert board.mondays == [
        date(2026, 3, 30),
        date(2026, 4, 6),
        date(2026, 4, 13),
        date(2026, 4, 20),
    ]
    rows = {row.activity.pk: row for row in board.capacity}
    alsh = rows[wednesday_alsh.pk].weeks
    # This week's Wednesday is past; next Wednesday is full (2 of 2); then spring holidays.
    assert not alsh[0].runs
    assert (alsh[1].busiest_day, alsh[1].taken, alsh[1].capacity) == (NEXT_WEDNESDAY, 2, 2)
    assert (alsh[2].taken, alsh[2].capacity) == (0, 2)
    assert not alsh[3].runs
    canteen = rows[today_bookings.pk].weeks
    assert (canteen[0].busiest_day, canteen[0].taken, canteen[0].capacity) == (TODAY, 4, 120)


def test_capacity_is_shown_as_a_meter_with_the_figures(today_bookings, agent_client) -> None:
    html = agent_client.get(reverse("backoffice:dashboard")).content.decode()
    assert '<meter min="0" max="2" value="2"' in html
    assert "2 / 2 places" in html
    assert "complet" in html
    assert "style=" not in html


def test_closed_activity_and_upcoming_closures(
    today_bookings, agent, agent_client, canteen
) -> None:
    Closure.objects.create(
        activity=canteen,
        starts_on=TODAY,
        ends_on=TODAY,
        reason=Closure.Reason.STRIKE,
        note="préavis national",
    )
    Closure.objects.create(
        activity=canteen,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 2),
        reason=Closure.Reason.OTHER,
    )
    board = dashboard(agent, TODAY)
    assert board.sites[0].activities[0].closed == "Fermée : grève (préavis national)"
    assert [c.starts_on for c in board.closures] == [TODAY]
    html = agent_client.get(reverse("backoffice:dashboard")).content.decode()
    assert "Fermée : grève (préavis national)" in html
    assert "Prochaines fermetures" in html


def test_site_staff_see_their_sites_only(
    today_bookings, animateur, other_site, family, wednesday_alsh
) -> None:
    racine = second_canteen(other_site)
    book(make_child(family, other_site), racine, TODAY)
    board = dashboard(animateur, TODAY)
    assert [s.site.name for s in board.sites] == ["École élémentaire Jean Moulin"]
    assert wednesday_alsh.pk not in {row.activity.pk for row in board.capacity}
    html = client_for(animateur).get(reverse("backoffice:dashboard")).content.decode()
    assert "École élémentaire Jean Moulin</caption>" in html
    assert other_site.name not in html
    assert "Demandes à traiter" not in html  # no inbox for site staff


def test_the_creche_agent_sees_only_the_creche(
    today_bookings, early_childhood_agent, creche
) -> None:
    board = dashboard(early_childhood_agent, TODAY)
    assert [a.activity.pk for s in board.sites for a in s.activities] == [creche.pk]
    assert board.pending.requested == 0


def test_finance_gets_a_page_pointing_to_families(finance) -> None:
    response = client_for(finance).get(reverse("backoffice:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("backoffice:families")}"' in html
    assert "quotient" in html
    assert "<table" not in html


def test_each_activity_of_today_links_to_its_attendance_sheet(
    today_bookings, agent_client, canteen
) -> None:
    html = agent_client.get(reverse("backoffice:dashboard")).content.decode()
    sheet = reverse("backoffice:attendance_sheet", args=[canteen.pk, TODAY])
    assert f'href="{sheet}"' in html


def test_dashboard_query_count_does_not_grow(
    family, school, other_site, canteen, wednesday_alsh, creche, school_year, agent_client
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get(reverse("backoffice:dashboard")).status_code == 200
        return len(captured)

    book(make_child(family, school), canteen, TODAY)
    small = queries()
    racine = second_canteen(other_site)
    for i in range(40):
        for activity, site in ((canteen, school), (racine, other_site)):
            kid = make_child(family, site)
            booking = book(kid, activity, TODAY, S.RESERVED if i % 6 else S.ABSENCE_REQUESTED)
            if i % 3 == 0:
                Booking.objects.filter(pk=booking.pk).update(presence=Presence.PRESENT)
            book(kid, activity, date(2026, 4, 9), S.REQUESTED)
            book(kid, activity, date(2026, 4, 13 + i % 4))
        Closure.objects.create(
            activity=racine,
            starts_on=date(2026, 5, i % 28 + 1),
            ends_on=date(2026, 5, 28),
            reason=Closure.Reason.OUTING,
        )
    assert Slot.objects.count() > 8
    assert queries() == small
    assert small <= 12
