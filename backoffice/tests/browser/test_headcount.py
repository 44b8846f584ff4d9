"""An agent opens the kitchen headcount (day, week) and the dashboard in a real browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from backoffice.tests.test_headcount import book, make_child, second_canteen
from bookings.models import Booking, BookingState, Presence
from catalog.models import Closure
from conftest import paris
from families.models import Diet

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/shots")
SIZES = {"desktop": (1280, 900), "tablet": (1024, 768)}


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def commune(family, child, canteen, school, other_site, school_year, wednesday_alsh, agent):
    """Two schools with a week of meals, diets and PAIs; an ALSH with a full Wednesday."""
    racine = second_canteen(other_site)
    diets = list(Diet.values)
    days = [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 2), date(2026, 4, 3)]
    for i in range(12):
        for activity, site in ((canteen, school), (racine, other_site)):
            kid = make_child(family, site, diet=diets[i % 4], pai=i % 5 == 0, packed=i == 5)
            for day in days:
                state = BookingState.ABSENCE_REQUESTED if i == 7 else BookingState.RESERVED
                booking = book(kid, activity, day, state)
                if day == date(2026, 4, 2) and i % 3 == 0:
                    Booking.objects.filter(pk=booking.pk).update(presence=Presence.PRESENT)
    book(make_child(family, school), canteen, date(2026, 4, 9), BookingState.REQUESTED)
    for _i in range(2):
        book(make_child(family, school), wednesday_alsh, date(2026, 4, 8))
    Closure.objects.create(
        site=other_site, starts_on=date(2026, 4, 3), ends_on=date(2026, 4, 3), reason="strike"
    )
    return racine


def printed_pages(page: Page) -> int:
    """Print the page to an A4 landscape PDF and count its pages."""
    page.emulate_media(media="print")  # emulated screen media would print as the screen
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def shoot(page: Page, name: str) -> None:
    """Screenshot the page at each size, then as printed."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"headcount-{name}-{size}.png"), full_page=True)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.screenshot(path=str(SHOTS / f"headcount-{name}-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_agent_reads_the_headcount_and_the_dashboard(page: Page, live_server, clock, commune):
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in_agent(page, live_server, "agent")

    # The dashboard: today's figures, pending requests, capacity meters.
    expect(page.get_by_role("heading", name="Aujourd'hui")).to_be_visible()
    expect(page.get_by_role("table", name="École élémentaire Jean Moulin")).to_be_visible()
    expect(page.get_by_text("2 / 2 places")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "dashboard")

    # The kitchen headcount opens on today, a school day.
    page.get_by_role("link", name="Effectifs cuisine").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("jeudi 2 avril 2026")
    total = page.get_by_role("row", name="Total toutes écoles")
    expect(total).to_contain_text("22")  # 2 × 11 meals; one absence to confirm per school
    print_button = page.get_by_role("button", name="Imprimer")
    expect(print_button).to_be_visible()  # shown by headcount.js
    assert axe_violations(page) == []
    shoot(page, "day")
    assert printed_pages(page) == 1  # the day's sheet fits one page

    # Another day through the form (keyboard-friendly date field), then a strike day.
    page.get_by_label("Jour", exact=True).fill("2026-04-03")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("Pas de restauration : grève")).to_be_visible()

    # The week, then the previous week.
    page.get_by_role("link", name="Voir la semaine").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("semaine du lundi 30 mars 2026")
    expect(page.get_by_role("heading", name="École Jean Racine")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "week")
    assert printed_pages(page) == 3  # all schools, then one page per school
    page.get_by_role("link", name="Semaine du 23 mars").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("lundi 23 mars 2026")

    # The CSV downloads with the week's file name.
    page.goto(f"{live_server.url}/gestion/cuisine/semaine/2026-03-30/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter la semaine (CSV)").click()
    assert download.value.suggested_filename == "effectifs-cuisine-semaine-2026-03-30.csv"
