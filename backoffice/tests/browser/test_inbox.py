"""An agent works through the request inbox in a real browser: filter, tick, decide, by keyboard."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from backoffice.tests.test_inbox import WEDNESDAY, ask, kid
from bookings.models import Booking, BookingState
from catalog.models import Activity
from conftest import enrol, paris

pytestmark = pytest.mark.django_db(transaction=True)
S = BookingState
DAY = date(2026, 4, 9)  # a Thursday
SHOTS = Path("/tmp/shots")
SIZES = {"desktop": (1280, 900), "tablet": (1024, 768)}


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def requests(
    family,
    child,
    sibling,
    toddler,
    other_family,
    canteen,
    creche,
    creche_enrolment,
    wednesday_alsh,
    school_year,
    school,
    agent,
) -> dict[str, object]:
    """Three canteen requests for Thursday 9 April, a crèche one, a full ALSH Wednesday."""
    canteen.validation_mode = Activity.ValidationMode.STAFF
    canteen.save()
    tom = kid(other_family, "Tom", school)
    canteen_requests = []
    for someone in (child, sibling, tom):
        enrol(someone, canteen, school_year)
        canteen_requests += ask(someone, canteen, DAY)
    ask(toddler, creche, DAY)
    alsh = []
    for someone in (child, sibling, tom):
        enrol(someone, wednesday_alsh, school_year)
        alsh += ask(someone, wednesday_alsh, WEDNESDAY)
    return {"canteen": canteen_requests, "alsh": alsh}


def inbox_url(live_server) -> str:
    return f"{live_server.url}/gestion/demandes/"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"inbox-{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_agent_filters_ticks_three_requests_and_approves_them(
    page: Page, live_server, clock, requests, canteen
) -> None:
    log_in_agent(page, live_server, "agent")
    page.get_by_role("link", name="Demandes", exact=True).click()
    expect(page.get_by_role("heading", name="Demandes à traiter")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "list")

    page.get_by_role("combobox", name="Activité").select_option(
        label="Restauration scolaire — École élémentaire Jean Moulin"
    )
    page.get_by_role("combobox", name="Type").select_option(label="Réservation")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"kind=requested"))
    table = page.get_by_role("table", name=re.compile("Demandes en attente"))
    expect(table.get_by_role("row")).to_have_count(4)  # the header and three requests
    expect(page.get_by_text("Multi-accueil")).to_have_count(0)  # another service's request

    for name in ("Léa DUPONT", "Hugo DUPONT", "Tom MARTIN"):
        page.get_by_label(
            f"Cocher la demande : {name}, Restauration scolaire, jeudi 9 avril 2026"
        ).check()
    expect(page.locator("#bulk-count")).to_have_text("3 demandes cochées.")
    expect(page.locator("tr.is-selected")).to_have_count(3)
    page.get_by_role("button", name="Accepter la sélection").click()

    expect(page).to_have_url(re.compile(r"/gestion/demandes/\?activity=\d+&kind=requested"))
    for name in ("Léa DUPONT", "Hugo DUPONT", "Tom MARTIN"):
        expect(
            page.get_by_text(
                f"{name}, Restauration scolaire, jeudi 9 avril 2026 : réservation acceptée"
            )
        ).to_be_visible()
    expect(page.get_by_text("Aucune demande en attente pour ces filtres.")).to_be_visible()
    states = {b.state for b in Booking.objects.filter(activity=canteen)}
    assert states == {S.RESERVED}
    assert axe_violations(page) == []


def test_keyboard_select_all_and_refuse_with_a_reason(
    page: Page, live_server, clock, requests, canteen
) -> None:
    log_in_agent(page, live_server, "agent")
    page.goto(f"{inbox_url(live_server)}?kind=requested")
    select_all = page.get_by_label("Tout sélectionner")
    select_all.focus()
    page.keyboard.press("Space")
    expect(page.locator("#bulk-count")).to_have_text("3 demandes cochées.")
    page.keyboard.press("Space")
    expect(page.locator("#bulk-count")).to_have_text("Aucune demande cochée.")
    page.keyboard.press("Space")

    # Without a reason nothing is refused and the error says what to do.
    page.get_by_role("button", name="Refuser la sélection").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text(
        "Indiquez le motif du refus : il sera communiqué à la famille."
    )
    assert {b.state for b in Booking.objects.filter(activity=canteen)} == {S.REQUESTED}
    expect(page.locator("input[name=bookings]:checked")).to_have_count(3)  # ticks kept
    assert axe_violations(page) == []
    shoot(page, "refusal-error")

    page.get_by_label("Motif du refus (communiqué à la famille)").focus()
    page.keyboard.type("Sortie scolaire : pas de repas ce jour-là")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # focus is on « Refuser la sélection »
    expect(page.get_by_text("Aucune demande en attente pour ces filtres.")).to_be_visible()
    assert {b.state for b in Booking.objects.filter(activity=canteen)} == {S.REFUSED}


def test_refusal_and_waiting_list_pages(
    page: Page, live_server, clock, requests, wednesday_alsh
) -> None:
    log_in_agent(page, live_server, "agent")
    page.goto(inbox_url(live_server))
    page.get_by_role("link", name=re.compile("Refuser… : Hugo DUPONT, Restauration")).click()
    expect(page.get_by_role("heading", name="Refuser une demande")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "refuse")
    page.get_by_label(re.compile("Motif du refus")).fill("Classe de découverte")
    page.get_by_role("button", name="Refuser la demande").click()
    expect(
        page.get_by_text(
            "Hugo DUPONT, Restauration scolaire, jeudi 9 avril 2026 : réservation refusée"
        )
    ).to_be_visible()

    page.get_by_role("link", name=re.compile("rang 1 — voir la liste d'attente")).click()
    expect(page.get_by_role("heading", name=re.compile("Liste d'attente — ALSH"))).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "waiting-list")
    page.get_by_role(
        "button", name="Attribuer les places libres (les plus anciens d'abord)"
    ).click()
    expect(page.get_by_text("Aucune place libre le mercredi 8 avril 2026")).to_be_visible()

    wednesday_alsh.capacity = 3
    wednesday_alsh.save()
    page.get_by_role("button", name="Attribuer une place : Tom MARTIN").click()
    expect(
        page.get_by_text(
            "Tom MARTIN, ALSH Mercredi après-midi, mercredi 8 avril 2026 : "
            "place attribuée depuis la liste d'attente"
        )
    ).to_be_visible()
    expect(page.get_by_text("Personne n'est en liste d'attente ce jour-là")).to_be_visible()
