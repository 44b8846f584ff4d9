"""An agent at the counter: finds a family, creates a new one with a child, prints its letter.

Every page is scanned with axe-core; screenshots go to /tmp/shots/families-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from conftest import paris
from core.models import AuditEvent, ServiceContact
from families.models import AuthorisedPerson, Family

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/shots")
SIZES = {"desktop": (1280, 900), "tablet": (1024, 768)}


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def counter(clock, agent, family, other_family, child, sibling, school):
    ServiceContact.objects.create(
        domain=ServiceContact.Domain.EDUCATION,
        service="Service Scolaire",
        person="Mme TOUDIC",
        phone="01 30 13 82 97",
        email="stoudic@example.org",
    )
    AuthorisedPerson.objects.create(
        child=child, name="Mamie Dupont", relationship="grand-mère", phone="06 39 98 00 09"
    )
    return agent


def shoot(page: Page, name: str) -> None:
    """Save the page at desktop and tablet sizes, then come back to desktop."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"families-{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def check(page: Page, name: str) -> None:
    assert axe_violations(page) == [], name
    shoot(page, name)


def test_agent_finds_creates_and_prints(page: Page, live_server, counter) -> None:
    log_in_agent(page, live_server, "agent")
    page.get_by_role("link", name="Familles").click()
    expect(page.get_by_role("heading", name="Familles", level=1)).to_be_visible()
    check(page, "search-empty")

    # Find the DUPONT family by a child's first name typed without its accent.
    page.get_by_label("Rechercher une famille").fill("lea")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("table")).to_contain_text("1 famille trouvée pour « lea »")
    check(page, "search")
    page.get_by_role("link", name="Famille DUPONT").click()
    expect(page.get_by_role("heading", name="Famille DUPONT", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Enfants de la famille")).to_contain_text(
        "Mamie Dupont (grand-mère)"
    )
    check(page, "detail")

    page.get_by_role("link", name="Modifier Léa").click()
    expect(page.get_by_role("heading", name="Fiche de Léa DUPONT")).to_be_visible()
    check(page, "child-edit")
    page.get_by_role("link", name="Annuler").click()
    page.get_by_role("link", name="Modifier Jean DUPONT").click()
    check(page, "guardian-edit")
    page.get_by_role("link", name="Annuler").click()
    page.get_by_role("link", name="Historique complet").click()
    expect(page.get_by_role("heading", name="Historique de la famille DUPONT")).to_be_visible()
    check(page, "history-empty")

    # A new family at the counter: first a mistake, then the right input.
    page.get_by_role("link", name="Familles", exact=True).first.click()
    page.get_by_role("link", name="Créer une famille").click()
    check(page, "create")
    page.get_by_label("Nom de la famille").fill("lefèvre")
    page.get_by_label("Code postal").fill("7832")
    page.get_by_role("button", name="Créer la famille").click()
    expect(page.get_by_role("alert")).to_contain_text("Rien n'a été enregistré")
    expect(page.get_by_text("Le code postal s'écrit en 5 chiffres (ex. 78320).")).to_be_visible()
    check(page, "create-errors")
    page.get_by_label("Adresse").fill("8 rue de la Mairie")
    page.get_by_label("Code postal").fill("78320")
    page.get_by_role("textbox", name="Commune", exact=True).fill("Le Mesnil-Saint-Denis")
    page.get_by_label("Prénom").fill("Zoé")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Lefèvre")
    page.get_by_label("E-mail").fill("zoe.lefevre@example.org")
    page.get_by_role("button", name="Créer la famille").click()
    expect(
        page.get_by_text("Famille LEFÈVRE créée avec l'identifiant 78322-00003.")
    ).to_be_visible()
    created = Family.objects.get(identifier="78322-00003")

    page.get_by_role("link", name="Ajouter un enfant").click()
    check(page, "child-create")
    page.get_by_role("textbox", name="Prénom", exact=True).fill("Nina")
    page.get_by_label("Date de naissance").fill("2018-05-04")
    page.get_by_label("École").select_option(label="École élémentaire Jean Moulin")
    page.get_by_label("Classe").select_option("CE2")
    page.get_by_label("Régime").select_option(label="Végétarien")
    page.get_by_role("group", name="Personne 1").get_by_label("Nom et prénom").fill("Paul Martin")
    page.get_by_role("group", name="Personne 1").get_by_label("Lien avec l'enfant").fill("oncle")
    page.get_by_role("button", name="Ajouter l'enfant").click()
    expect(page.get_by_text("Nina ajouté(e) à la famille.")).to_be_visible()
    expect(page.get_by_role("table", name="Enfants de la famille")).to_contain_text("Paul Martin")
    nina = created.children.get()
    assert nina.school is not None and nina.diet == "vegetarian"
    check(page, "detail-new")

    # Opening the letter's address (a GET) writes nothing and says the login is missing.
    page.goto(live_server.url + reverse("backoffice:family_letter", args=[created.pk]))
    expect(
        page.get_by_text("Le compte de connexion « 78322-00003 » n'existe pas encore")
    ).to_be_visible()
    assert not AuditEvent.objects.filter(action="family.letter_issued").exists()
    assert created.guardians.get().user is None
    check(page, "letter-not-issued")
    page.get_by_role("link", name="Retour à la famille").click()

    # The identifier letter, issued through its button (a POST), printable, and its history.
    page.get_by_role("button", name="Éditer le courrier (page imprimable)").click()
    expect(page.get_by_text("Courrier édité ; c'est noté dans l'historique")).to_be_visible()
    expect(page.locator(".letter__identifier-value")).to_have_text("78322-00003")
    expect(page.get_by_text("n'existe pas encore")).to_have_count(0)
    assert created.guardians.get().user is not None
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    check(page, "letter")
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "families-letter-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Retour à la famille").click()
    page.get_by_role("link", name="Voir tout l'historique").click()
    history = page.get_by_role("table")
    expect(history).to_contain_text("Courrier d'identifiant édité")
    expect(history).to_contain_text("Compte de connexion créé")
    expect(history).to_contain_text("Enfant ajouté")
    check(page, "history")
