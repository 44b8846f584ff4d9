"""The family's main journeys in a real browser, with an axe-core scan of each page."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingState
from conftest import enrol, paris

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "demo-marelle-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 1, 10, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def dupont(
    child,
    toddler,
    canteen,
    wednesday_alsh,
    creche,
    creche_enrolment,
    school_year,
    absence_reasons,
    parent,
):
    enrol(child, canteen, school_year)
    enrol(child, wednesday_alsh, school_year)
    return parent


def axe_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def log_in(page: Page, live_server, login: str = "78322-00001") -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant famille ou e-mail").fill(login)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name=re.compile("Famille DUPONT"))).to_be_visible()


def open_planning(page: Page, live_server, child, year=2026, month=4) -> None:
    page.goto(f"{live_server.url}/enfants/{child.pk}/planning/{year}/{month}/")


def cell(page: Page, name: str):
    return page.get_by_label(name, exact=False)


def test_reserve_declare_absence_and_cancel(
    page, live_server, clock, dupont, child, toddler, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page.goto(f"{live_server.url}/connexion/")
    assert axe_violations(page) == []  # the login page
    log_in(page, live_server)
    assert axe_violations(page) == []  # home
    page.get_by_role("link", name="Planning de Léa").click()
    expect(page.get_by_role("table", name="Planning de Léa — avril 2026")).to_be_visible()
    assert axe_violations(page) == []

    # Reserve a Wednesday at the leisure centre.
    cell(page, "Léa, ALSH Mercredi après-midi, mercredi 15 avril 2026").first.check()
    page.get_by_role("button", name="Réserver la sélection").click()
    expect(
        page.get_by_text("Réservé le mercredi 15 avril 2026 pour ALSH Mercredi après-midi.")
    ).to_be_visible()

    # htmx swapped the grid in place and moved focus to the outcome.
    expect(page.locator("#planning-results")).to_be_focused()

    # Declare it absent with a reason and a proof file.
    proof = tmp_path / "certificat.pdf"
    proof.write_bytes(PDF)
    cell(page, "Léa, ALSH Mercredi après-midi, mercredi 15 avril 2026 : Réservé").first.check()
    page.get_by_label("Motif de l'absence").select_option(label="Maladie (certificat médical)")
    page.get_by_label("Précision (facultatif)").fill("Angine")
    page.get_by_label(re.compile("Justificatif")).set_input_files(str(proof))
    page.get_by_role("button", name="Déclarer l'absence").click()
    expect(page.get_by_text(re.compile("annulé dans les délais"))).to_be_visible()
    booking = Booking.objects.get(child=child, day_id=date(2026, 4, 15))
    assert booking.state == BookingState.CANCELLED
    assert booking.absence_note == "Angine"

    # The crèche needs staff validation: request, then withdraw the pending request.
    open_planning(page, live_server, toddler)
    cell(page, "Zoé, Multi-accueil, jeudi 16 avril 2026").first.check()
    page.get_by_role("button", name="Réserver la sélection").click()
    expect(
        page.get_by_text(re.compile("Demande envoyée au service pour le jeudi 16 avril"))
    ).to_be_visible()
    cell(page, "Zoé, Multi-accueil, jeudi 16 avril 2026 : Demande en attente").first.check()
    page.get_by_role("button", name="Annuler la demande").click()
    expect(
        page.get_by_text("Demande annulée le jeudi 16 avril 2026 pour Multi-accueil.")
    ).to_be_visible()
    assert Booking.objects.get(child=toddler).state == BookingState.CANCELLED


def test_weekly_pattern_for_both_children(
    page, live_server, clock, dupont, sibling, canteen, school_year
):
    enrol(sibling, canteen, school_year)
    log_in(page, live_server)
    page.get_by_role("link", name="Semaine type").first.click()
    page.get_by_label("Léa — Restauration scolaire").check()
    page.get_by_label("Hugo — Restauration scolaire").check()
    page.get_by_label("Lundi").check()
    page.get_by_label("Jeudi").check()
    page.get_by_label("À partir du").fill("2026-05-01")
    page.get_by_label("Jusqu'au (facultatif)").fill("2026-05-31")
    page.get_by_role("button", name="Appliquer la semaine type").click()
    expect(page.get_by_role("heading", name="Hugo — Restauration scolaire")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Aide").click()
    assert axe_violations(page) == []
    assert Booking.objects.filter(state=BookingState.RESERVED, source="pattern").count() == 12


def test_late_request_is_refused_with_its_message(page, live_server, dupont, child):
    with time_machine.travel(paris(2026, 4, 9, 11, 58), tick=True) as traveller:
        log_in(page, live_server)
        open_planning(page, live_server, child)
        cell(page, "Léa, Restauration scolaire, mardi 14 avril 2026").first.check()
        traveller.move_to(paris(2026, 4, 9, 12, 1))
        page.get_by_role("button", name="Réserver la sélection").click()
        expect(
            page.get_by_text(
                "Réservation impossible pour Léa le mardi 14 avril 2026 pour "
                "Restauration scolaire : le délai est dépassé depuis le jeudi 9 avril à 12h00."
            )
        ).to_be_visible()
    assert not Booking.objects.exists()


def test_keyboard_only(page, live_server, clock, dupont, child):
    page.goto(f"{live_server.url}/connexion/")
    for _ in range(6):  # from the top of the page: skip link, home link, then the form
        if page.evaluate("document.activeElement.name") == "username":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("78322-00001")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Famille DUPONT"))).to_be_visible()
    open_planning(page, live_server, child)
    target = cell(page, "Léa, Restauration scolaire, mardi 14 avril 2026").first
    target.focus()
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid"  # visible focus on the cell
    page.keyboard.press("Space")
    expect(target).to_be_checked()
    # Enter opens the action bar with only what is allowed there, focused.
    page.keyboard.press("Enter")
    menu = page.get_by_role("group", name="1 jour coché")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("button", name="Annuler la demande")).to_be_hidden()
    expect(page.get_by_role("button", name="Réserver la sélection")).to_be_focused()
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Réservé le mardi 14 avril 2026 pour Restauration scolaire.")
    ).to_be_visible()


def test_phone_layout_lists_days(browser, live_server, clock, dupont, child, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server)
    open_planning(page, live_server, child)
    expect(page.locator(".grid-scroll")).to_be_hidden()
    expect(page.get_by_role("heading", name="Mardi 14 avril 2026")).to_be_visible()
    page.locator(".day-list").get_by_label(
        "Léa, Restauration scolaire, mardi 14 avril 2026"
    ).check()
    page.get_by_role("button", name="Réserver la sélection").click()
    expect(
        page.get_by_text("Réservé le mardi 14 avril 2026 pour Restauration scolaire.")
    ).to_be_visible()
    assert axe_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no horizontal scrolling on a phone
    context.close()


def test_password_reset_by_email_link(page, live_server, clock, dupont):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    assert axe_violations(page) == []
    page.get_by_label(re.compile("Identifiant famille ou e-mail")).fill("78322-00001")
    page.get_by_role("button", name=re.compile("Recevoir|Envoyer")).click()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/connexion/nouveau-mot-de-passe/\S+/", str(mail.outbox[0].body))
    assert link is not None
    page.goto(link.group(0))
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill("un-nouveau-mot-de-passe-2026")
    page.get_by_label(re.compile("^Confirmation")).fill("un-nouveau-mot-de-passe-2026")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant famille ou e-mail").fill("jean.dupont@example.org")
    page.locator("#id_password").fill("un-nouveau-mot-de-passe-2026")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name=re.compile("Famille DUPONT"))).to_be_visible()


def test_without_javascript_forms_still_work(browser, live_server, clock, dupont, child, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server)
    open_planning(page, live_server, child)
    cell(page, "Léa, Restauration scolaire, mardi 14 avril 2026").first.check()
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(
        page.get_by_text("Réservé le mardi 14 avril 2026 pour Restauration scolaire.")
    ).to_be_visible()
    assert page.locator("#planning-results").count() == 0  # a plain redirect, not htmx
    context.close()


def test_zoom_200_percent_keeps_the_page_usable(
    browser, live_server, clock, dupont, child, settings
):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    # 1280 × 900 at 200 % zoom lays out like a 640 × 450 window.
    context = browser.new_context(viewport={"width": 640, "height": 450}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server)
    open_planning(page, live_server, child)
    expect(page.get_by_role("table", name="Planning de Léa — avril 2026")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    cell(page, "Léa, Restauration scolaire, mardi 14 avril 2026").first.check()
    page.get_by_role("button", name="Réserver la sélection").click()
    expect(
        page.get_by_text("Réservé le mardi 14 avril 2026 pour Restauration scolaire.")
    ).to_be_visible()
    context.close()
