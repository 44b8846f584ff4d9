"""An animateur takes today's canteen attendance on a 1024×768 tablet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, ViewportSize, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from bookings.models import Booking, BookingSource, Presence
from bookings.services import BookingRequest, request_bookings
from conftest import enrol, paris
from core.models import AuditEvent
from families.models import AuthorisedPerson, Child, ClassLevel, Diet

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2026, 4, 2)
SHOTS = Path("/tmp/shots")
TABLET: ViewportSize = {"width": 1024, "height": 768}


@pytest.fixture
def clock() -> Iterator[object]:
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def canteen_day(clock, child, sibling, family, school, canteen, school_year) -> Child:
    """Léa and Hugo booked today (Léa with a PAI and a pick-up person), Nina enrolled only."""
    child.diet = Diet.VEGETARIAN
    child.has_pai = True
    child.pai_notes = "Allergie aux fruits à coque : trousse dans le bureau."
    child.save()
    AuthorisedPerson.objects.create(
        child=child, name="Paul DURAND", relationship="Grand-père", phone="06 12 34 56 78"
    )
    nina = Child.objects.create(
        family=family,
        first_name="Nina",
        last_name="DUPONT",
        birth_date=date(2020, 5, 1),
        school=school,
        class_level=ClassLevel.GS,
    )
    for kid in (child, sibling, nina):
        enrol(kid, canteen, school_year)
    request_bookings(
        requests=[BookingRequest(kid, canteen, DAY) for kid in (child, sibling)],
        by=None,
        now=paris(2026, 3, 1),
    )
    return nina


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"attendance-{name}.png"), full_page=True)


def fits_without_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => {
              const root = document.documentElement;
              const tables = [...document.querySelectorAll('.table-scroll')];
              return root.scrollWidth <= root.clientWidth
                && tables.every(t => t.scrollWidth <= t.clientWidth + 1);
            }"""
        )
    )


def smallest_button(page: Page) -> float:
    return float(
        page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('.mark-button')]
                 .map(b => Math.min(b.getBoundingClientRect().height,
                                    b.getBoundingClientRect().width)))"""
        )
    )


def test_animateur_takes_attendance_on_a_tablet(
    page: Page, live_server, animateur, canteen, canteen_day, child, sibling
) -> None:
    page.set_viewport_size(TABLET)
    log_in_agent(page, live_server, "animateur")
    page.get_by_role("link", name="Pointage", exact=True).click()
    expect(page.get_by_role("heading", name="Pointage", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Jeudi 2 avril 2026")).to_be_visible()
    table = page.get_by_role("table", name=re.compile("Feuilles de pointage"))
    expect(table.get_by_role("row", name=re.compile("Restauration scolaire"))).to_contain_text(
        "à pointer"
    )
    assert axe_violations(page) == []
    shot(page, "day-1024")

    page.get_by_role("link", name="Restauration scolaire").click()
    expect(page.get_by_role("heading", name="Pointage — Restauration scolaire")).to_be_visible()
    counts = page.locator("#sheet-counts")
    expect(counts).to_contain_text("Non pointés2")
    expect(page.get_by_text("Allergie aux fruits à coque")).to_be_visible()
    expect(page.get_by_role("link", name="06 12 34 56 78")).to_have_attribute(
        "href", "tel:0612345678"
    )
    assert fits_without_horizontal_scroll(page)
    assert smallest_button(page) >= 44
    assert axe_violations(page) == []
    shot(page, "sheet-1024")
    # The counts stay in sight while the list scrolls.
    page.get_by_role("heading", name="Terminer la feuille").scroll_into_view_if_needed()
    box = counts.bounding_box()
    assert box is not None and abs(box["y"]) < 2, box
    page.screenshot(path=str(SHOTS / "attendance-sheet-scrolled-1024.png"))
    page.evaluate("window.scrollTo(0, 0)")

    # One tap each: htmx swaps the row and the counts in place.
    hugo_present = page.get_by_role("button", name="Présent : Hugo DUPONT")
    hugo_present.click()
    expect(hugo_present).to_have_attribute("aria-pressed", "true")
    lea_absent = page.get_by_role("button", name="Absent : Léa DUPONT")
    lea_absent.click()
    expect(lea_absent).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Présent : Léa DUPONT")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(counts).to_contain_text("Présents1")
    expect(counts).to_contain_text("Absents1")
    expect(counts).to_contain_text("Non pointés0")
    expect(page.locator("#sheet-messages")).to_contain_text("Léa DUPONT : absent.")
    # Tapping again (a flaky connection replaying) changes nothing.
    page.get_by_role("button", name="Présent : Hugo DUPONT").click()
    expect(page.locator("#sheet-messages")).to_contain_text("Hugo DUPONT : présent.")
    assert AuditEvent.objects.filter(action="booking.presence").count() == 2
    assert Booking.objects.get(child=child).presence == Presence.ABSENT

    # Nina came without a booking.
    page.get_by_label("Enfant inscrit à l'activité").select_option(label="Nina DUPONT (GS)")
    page.get_by_role("button", name="Ajouter présent sans réservation").click()
    expect(page.get_by_text("Nina DUPONT est ajouté présent sans réservation")).to_be_visible()
    nina_row = page.get_by_role("row", name=re.compile("Nina DUPONT"))
    expect(nina_row).to_contain_text("sans réservation — majoration")
    expect(nina_row.get_by_role("button", name="Présent : Nina DUPONT")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Booking.objects.get(child__first_name="Nina").source == BookingSource.WALK_IN

    page.get_by_role("button", name="Marquer la feuille comme terminée").click()
    expect(page.get_by_text("La feuille de pointage est terminée.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Feuille terminée par animateur le jeudi 2 avril 2026 à"))
    ).to_have_count(2)
    expect(page.get_by_text("Les corrections restent possibles").first).to_be_visible()
    assert fits_without_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, "sheet-completed-1024")
    page.set_viewport_size(ViewportSize(width=1280, height=900))
    shot(page, "sheet-completed-1280")

    page.get_by_role("link", name=re.compile("Toutes les feuilles du")).click()
    expect(page.get_by_role("row", name=re.compile("Restauration scolaire"))).to_contain_text(
        "terminée"
    )
    shot(page, "day-1280")


def test_sheet_works_without_javascript(
    browser, live_server, animateur, canteen, canteen_day, sibling, settings
) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    context = browser.new_context(viewport=TABLET, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in_agent(page, live_server, "animateur")
        booking = Booking.objects.get(child=sibling)
        page.goto(f"{live_server.url}/gestion/pointage/{canteen.pk}/{DAY.isoformat()}/")
        page.get_by_role("button", name="Présent : Hugo DUPONT").click()
        expect(page).to_have_url(re.compile(f"#enfant-{booking.pk}$"))
        expect(page.get_by_role("button", name="Présent : Hugo DUPONT")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.get_by_text("Hugo DUPONT : présent.")).to_be_visible()
    finally:
        context.close()


def test_a_lost_tap_says_so_and_tapping_again_is_safe(
    page: Page, live_server, animateur, canteen, canteen_day, sibling
) -> None:
    page.set_viewport_size(TABLET)
    log_in_agent(page, live_server, "animateur")
    page.goto(f"{live_server.url}/gestion/pointage/{canteen.pk}/{DAY.isoformat()}/")
    messages = page.locator("#sheet-messages")
    button = page.get_by_role("button", name="Présent : Hugo DUPONT")

    page.route("**/marquer/", lambda route: route.abort())
    button.click()
    expect(messages).to_contain_text(
        "La connexion a échoué : le pointage de Hugo DUPONT n’est peut-être pas enregistré."
    )
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_enabled()
    page.unroute("**/marquer/")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(messages).to_contain_text("Hugo DUPONT : présent.")
    assert AuditEvent.objects.filter(action="booking.presence").count() == 1

    # An expired session: the login page is never swapped into the row…
    page.context.clear_cookies(name="sessionid")
    absent = page.get_by_role("button", name="Absent : Hugo DUPONT")
    absent.click()
    expect(messages).to_contain_text("Votre session a expiré")
    expect(page.locator("#enfant-" + str(Booking.objects.get(child=sibling).pk))).to_be_visible()
    # …and without the CSRF cookie either (403), the same advice.
    page.evaluate("document.getElementById('sheet-messages').replaceChildren()")
    page.context.clear_cookies()
    absent.click()
    expect(messages).to_contain_text("Votre session a expiré")
    expect(page.get_by_role("button", name="Présent : Hugo DUPONT")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Booking.objects.get(child=sibling).presence == Presence.PRESENT
