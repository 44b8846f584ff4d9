"""An agent closes a Wednesday of the ALSH for a strike, in a real browser, mail through SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, ViewportSize, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from bookings.models import Booking, BookingState
from catalog.models import Closure
from conftest import Mailbox, assert_counters_match_bookings, paris
from notifications.models import Notification
from notifications.tests.factories import book, family_without_email, kid

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")
TABLET: ViewportSize = {"width": 1024, "height": 768}


def shoot(page: Page, name: str) -> None:
    """Screenshot the whole page at desktop size, then at tablet size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"closures-{name}.png"), full_page=True)
    desktop = page.viewport_size
    page.set_viewport_size(TABLET)
    page.screenshot(path=str(SHOTS / f"closures-{name}-1024.png"), full_page=True)
    if desktop:
        page.set_viewport_size(desktop)


def test_agent_closes_a_wednesday_for_a_strike(
    page: Page, live_server, child, wednesday_alsh, school_year, agent, settings, smtp: Mailbox
) -> None:
    assert settings.EMAIL_BACKEND.endswith("smtp.EmailBackend")  # the real SMTP server
    book([child], wednesday_alsh, school_year, agent)
    bernard = family_without_email()
    book([kid(bernard, "Inès")], wednesday_alsh, school_year, agent)

    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True):
        log_in_agent(page, live_server, "agent")
        page.get_by_role("navigation").get_by_role("link", name="Fermetures", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fermetures")
        expect(page.get_by_text("Aucune fermeture à venir.")).to_be_visible()
        assert axe_violations(page) == []
        shoot(page, "list-empty")

        page.get_by_role("link", name="Nouvelle fermeture").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle fermeture")
        assert axe_violations(page) == []
        page.get_by_label("Activité à fermer").select_option(
            label="ALSH Mercredi après-midi — Accueil de loisirs Le Bois du Fay"
        )
        page.locator("#id_starts_on").fill("2026-04-08")
        page.get_by_label("Motif").select_option(label="Grève")
        page.get_by_label("Précision").fill("Grève des animateurs")
        shoot(page, "form")
        page.get_by_role("button", name="Voir les réservations concernées").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la fermeture")
        expect(page.locator(".closure-impact__summary")).to_have_text(
            "2 réservations seront annulées sans frais, pour 2 familles."
        )
        expect(page.get_by_text("1 famille n'a pas d'adresse e-mail")).to_be_visible()
        assert not Closure.objects.exists()  # nothing happens before the confirmation
        assert axe_violations(page) == []
        shoot(page, "confirm")
        page.get_by_role("button", name="Confirmer la fermeture").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Fermeture : ALSH Mercredi après-midi"
        )
        expect(page.locator(".message--success")).to_contain_text(
            "Fermeture enregistrée : 2 réservations annulées sans frais (2 familles). "
            "1 e-mail envoyé. 1 famille sans adresse e-mail est à prévenir par téléphone."
        )
        bookings = page.get_by_role("table", name="2 réservations annulées sans frais")
        expect(bookings.get_by_role("rowheader")).to_have_text(
            ["BERNARD 78322-00009", "DUPONT 78322-00001"]
        )
        expect(bookings).to_contain_text("Léa")
        expect(bookings).to_contain_text("Inès")
        messages = page.get_by_role("table", name="Messages aux familles et leur état")
        dupont = messages.get_by_role("row").filter(has_text="DUPONT")
        expect(dupont).to_contain_text("jean.dupont@example.org")
        expect(dupont.locator(".badge")).to_have_text("Envoyé")
        phoning = messages.get_by_role("row").filter(has_text="BERNARD")
        expect(phoning.locator(".badge")).to_have_text("Sans adresse e-mail")
        expect(phoning).to_contain_text("06 12 34 56 78")
        dupont.get_by_text("Voir le message").click()
        expect(dupont.locator(".notification-body")).to_contain_text(
            "aucun frais ne vous sera facturé"
        )
        assert axe_violations(page) == []
        shoot(page, "detail")

        page.get_by_role("link", name="Retour aux fermetures").click()
        row = page.get_by_role("table", name="Fermetures à venir et en cours").get_by_role("row")
        expect(row.filter(has_text="ALSH Mercredi après-midi")).to_contain_text("1 envoyé")
        expect(row.filter(has_text="ALSH Mercredi après-midi")).to_contain_text("1 sans adresse")
        assert axe_violations(page) == []
        shoot(page, "list")

    [mail] = smtp.messages
    assert str(mail["To"]) == "jean.dupont@example.org"
    assert "Léa :" in smtp.body(mail)
    assert "aucun frais ne vous sera facturé" in smtp.body(mail)
    closure = Closure.objects.get()
    assert closure.created_by == agent
    assert set(Booking.objects.values_list("state", flat=True)) == {BookingState.CANCELLED}
    assert sorted(Notification.objects.values_list("status", flat=True)) == [
        Notification.Status.NO_ADDRESS,
        Notification.Status.SENT,
    ]
    assert_counters_match_bookings()


def test_agent_reads_errors_and_resends_a_failed_mail(
    page: Page, live_server, child, wednesday_alsh, school_year, agent, settings, smtp: Mailbox
) -> None:
    book([child], wednesday_alsh, school_year, agent)
    working_port = settings.EMAIL_PORT
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True):
        log_in_agent(page, live_server, "agent")
        page.goto(f"{live_server.url}/gestion/fermetures/nouvelle/")
        page.locator("#id_starts_on").fill("2026-04-08")
        page.locator("#id_ends_on").fill("2026-04-07")
        page.get_by_role("button", name="Voir les réservations concernées").click()
        expect(page.get_by_role("alert").first).to_contain_text("Le formulaire contient")
        expect(page.locator(".closure-form")).to_contain_text(
            "Choisissez l'activité à fermer, ou le site à fermer entièrement."
        )
        expect(page.locator(".closure-form")).to_contain_text(
            "La fermeture finirait le mardi 7 avril 2026, avant son premier jour"
        )
        assert axe_violations(page) == []
        shoot(page, "form-errors")

        settings.EMAIL_PORT = 9  # the mail server is down
        page.get_by_label("Activité à fermer").select_option(
            label="ALSH Mercredi après-midi — Accueil de loisirs Le Bois du Fay"
        )
        page.locator("#id_ends_on").fill("")
        page.get_by_label("Motif").select_option(label="Sortie scolaire")
        page.get_by_role("button", name="Voir les réservations concernées").click()
        page.get_by_role("button", name="Confirmer la fermeture").click()
        expect(page.locator(".message--warning")).to_contain_text("1 e-mail n'a pas pu partir")
        messages = page.get_by_role("table", name="Messages aux familles et leur état")
        expect(messages.locator(".badge")).to_have_text(["Échec de l'envoi"])
        assert axe_violations(page) == []
        shoot(page, "detail-failed")

        settings.EMAIL_PORT = working_port
        messages.get_by_role("button", name="Renvoyer").click()
        expect(page.locator(".message--success")).to_have_text("1 e-mail renvoyé.")
        expect(messages.locator(".badge")).to_have_text(["Envoyé"])
    assert [str(m["To"]) for m in smtp.messages] == ["jean.dupont@example.org"]
    assert Notification.objects.get().attempts == 2
