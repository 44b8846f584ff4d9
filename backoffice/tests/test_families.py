"""The families area through its pages: search, create, edit, scoping, history, letter,
activation e-mail through a real SMTP server, and constant query counts."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from backoffice.tests.conftest import client_for
from core.audit import record
from core.models import AuditEvent
from families.models import AuthorisedPerson, Child, Family, Guardian
from families.tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    """Return the page's HTML with entities decoded and spaces collapsed."""
    return " ".join(html.unescape(response.content.decode()).split())


def words_of(response: Any) -> str:
    """Return the page's visible words, without tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"backoffice:{name}", kwargs=kwargs)


FAMILY_POST = {
    "name": "lefèvre",
    "address_line": "8 rue de la Mairie",
    "postal_code": "78320",
    "city": "Le Mesnil-Saint-Denis",
    "residence_insee": "78322",
    "responsable-first_name": "Zoé",
    "responsable-last_name": "Lefèvre",
    "responsable-email": "zoe.lefevre@example.org",
    "responsable-mobile_phone": "06 12 34 56 78",
    "responsable-home_phone": "",
}


def child_post(**changes: str) -> dict[str, str]:
    data = {
        "first_name": "Nina",
        "last_name": "DUPONT",
        "birth_date": "2018-05-04",
        "school": "",
        "class_level": "",
        "diet": "no_pork",
        "pai_notes": "",
        "personnes-TOTAL_FORMS": "2",
        "personnes-INITIAL_FORMS": "0",
        "personnes-MIN_NUM_FORMS": "0",
        "personnes-MAX_NUM_FORMS": "10",
        "personnes-0-person_id": "",
        "personnes-0-name": "Mamie Dupont",
        "personnes-0-relationship": "grand-mère",
        "personnes-0-phone": "06 00 00 00 01",
        "personnes-1-person_id": "",
        "personnes-1-name": "",
        "personnes-1-relationship": "",
        "personnes-1-phone": "",
    }
    data.update(changes)
    return data


# Search -------------------------------------------------------------------------------------


def test_search_finds_a_family_by_child_first_name_without_accent(
    agent_client: Client, family: Family, other_family: Family, child: Child
) -> None:
    response = agent_client.get(url("families"), {"q": "LEA"})

    page = text_of(response)
    assert response.status_code == 200
    assert "1 famille trouvée pour « LEA »" in page
    assert "Famille DUPONT" in page
    assert "Famille MARTIN" not in page
    assert "Léa DUPONT" in page
    assert "jean.dupont@example.org" in page
    assert url("family_detail", family_id=family.pk) in page


def test_search_without_result_says_what_to_try(agent_client: Client, family: Family) -> None:
    page = text_of(agent_client.get(url("families"), {"q": "Zorglub"}))

    assert "Aucune famille ne correspond à « Zorglub »" in page


def test_empty_search_lists_recent_families_and_offers_creation(
    agent_client: Client, family: Family, other_family: Family
) -> None:
    page = text_of(agent_client.get(url("families")))

    assert "Familles créées récemment" in page
    assert page.index("Famille MARTIN") < page.index("Famille DUPONT")
    assert url("family_create") in page


def test_finance_reads_families_but_cannot_create(finance: User, family: Family) -> None:
    client = client_for(finance)

    page = text_of(client.get(url("families")))

    assert "Famille DUPONT" in page
    assert url("family_create") not in page
    assert client.get(url("family_create")).status_code == 403
    detail = text_of(client.get(url("family_detail", family_id=family.pk)))
    assert url("family_edit", family_id=family.pk) not in detail
    assert url("family_letter", family_id=family.pk) not in detail


def test_search_page_runs_the_same_queries_for_one_or_thirty_families(
    agent_client: Client,
) -> None:
    def families(start: int, count: int) -> None:
        for n in range(start, start + count):
            created = Family.objects.create(identifier=f"78322-{n:05d}", name=f"NOM{n}")
            Guardian.objects.create(family=created, first_name="A", last_name="B", is_payer=True)
            Child.objects.create(
                family=created, first_name="C", last_name="D", birth_date=date(2018, 1, 1)
            )

    families(1, 1)
    agent_client.get(url("families"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert agent_client.get(url("families"), {"q": "nom"}).status_code == 200
    families(2, 29)
    with CaptureQueriesContext(connection) as thirty:
        assert agent_client.get(url("families"), {"q": "nom"}).status_code == 200
    assert len(one) == len(thirty)


# Create and edit a family -------------------------------------------------------------------


def test_agent_creates_a_family_with_its_payer(
    agent_client: Client, agent: User, family: Family, other_family: Family
) -> None:
    response = agent_client.post(url("family_create"), FAMILY_POST, follow=True)

    created = Family.objects.get(identifier="78322-00003")
    assert response.redirect_chain == [(url("family_detail", family_id=created.pk), 302)]
    assert created.name == "LEFÈVRE"
    payer = created.guardians.get()
    assert payer.is_payer and payer.email == "zoe.lefevre@example.org"
    page = text_of(response)
    assert "Famille LEFÈVRE créée avec l'identifiant 78322-00003." in page
    assert AuditEvent.objects.filter(family=created, actor=agent).count() == 2


def test_invalid_family_form_answers_400_with_precise_messages(agent_client: Client) -> None:
    data = {
        **FAMILY_POST,
        "name": "",
        "postal_code": "7832",
        "residence_insee": "Paris",
        "responsable-email": "pas-une-adresse",
        "responsable-mobile_phone": "appelez-moi",
    }

    response = agent_client.post(url("family_create"), data)

    page = text_of(response)
    assert response.status_code == 400
    assert "Rien n'a été enregistré" in page
    assert "Le code postal s'écrit en 5 chiffres (ex. 78320)." in page
    assert "Le code INSEE s'écrit en 5 caractères" in page
    assert "Numéro de téléphone incomplet ou mal écrit" in page
    assert 'aria-invalid="true"' in page
    assert not Family.objects.exists()


def test_agent_edits_the_family_address(agent_client: Client, family: Family) -> None:
    data = {
        "name": "Dupont",
        "address_line": "1 place de l'Église",
        "postal_code": "78320",
        "city": "Le Mesnil-Saint-Denis",
        "residence_insee": "78322",
    }

    response = agent_client.post(url("family_edit", family_id=family.pk), data)

    assert response.status_code == 302
    family.refresh_from_db()
    assert family.address_line == "1 place de l'Église"
    assert AuditEvent.objects.get(action="family.updated").before["address_line"] == ""


def test_edit_form_shows_the_identifier_and_current_values(
    agent_client: Client, family: Family
) -> None:
    response = agent_client.get(url("family_edit", family_id=family.pk))

    assert "Identifiant famille : 78322-00001" in words_of(response)
    assert 'value="DUPONT"' in text_of(response)


def test_unknown_family_is_not_found(agent_client: Client) -> None:
    assert agent_client.get(url("family_detail", family_id=999)).status_code == 404
    assert agent_client.post(url("family_edit", family_id=999), {}).status_code == 404


# Guardians ----------------------------------------------------------------------------------


def test_agent_adds_a_second_guardian(agent_client: Client, family: Family) -> None:
    data = {
        "first_name": "Paul",
        "last_name": "dupont",
        "email": "paul@example.org",
        "mobile_phone": "",
        "home_phone": "01 30 00 00 00",
    }

    response = agent_client.post(url("guardian_create", family_id=family.pk), data)

    assert response.status_code == 302
    paul = family.guardians.get(first_name="Paul")
    assert paul.last_name == "DUPONT" and not paul.is_payer


def test_unticking_the_payer_answers_400_and_says_what_to_do(
    agent_client: Client, family: Family, guardian: Guardian
) -> None:
    data = {"first_name": "Jean", "last_name": "DUPONT", "email": guardian.email}

    response = agent_client.post(
        url("guardian_edit", family_id=family.pk, guardian_id=guardian.pk), data
    )

    assert response.status_code == 400
    assert (
        "Jean DUPONT est le responsable payeur de la famille : pour en changer, cochez « Payeur » "
        "sur la fiche de l'autre responsable."
    ) in text_of(response)
    guardian.refresh_from_db()
    assert guardian.is_payer


def test_payer_moves_to_the_guardian_ticked(
    agent_client: Client, family: Family, guardian: Guardian
) -> None:
    marie = family.guardians.get(first_name="Marie")

    response = agent_client.post(
        url("guardian_edit", family_id=family.pk, guardian_id=marie.pk),
        {"first_name": "Marie", "last_name": "DUPONT", "is_payer": "on"},
    )

    assert response.status_code == 302
    assert list(family.guardians.filter(is_payer=True)) == [marie]


def test_guardian_of_another_family_is_not_found(
    agent_client: Client, family: Family, other_family: Family
) -> None:
    stranger = other_family.guardians.get()
    target = url("guardian_edit", family_id=family.pk, guardian_id=stranger.pk)
    activation = url("guardian_activation", family_id=family.pk, guardian_id=stranger.pk)

    assert agent_client.get(target).status_code == 404
    assert agent_client.post(target, {"first_name": "X", "last_name": "Y"}).status_code == 404
    assert agent_client.post(activation).status_code == 404
    stranger.refresh_from_db()
    assert stranger.first_name == "Sophie"


# Children -----------------------------------------------------------------------------------


def test_agent_adds_a_child_with_a_pick_up_person(
    agent_client: Client, family: Family, school
) -> None:
    response = agent_client.post(
        url("child_create", family_id=family.pk),
        child_post(school=str(school.pk), class_level="CP", packed_meal="on"),
    )

    assert response.status_code == 302
    nina = family.children.get(first_name="Nina")
    assert nina.school == school and nina.class_level == "CP" and nina.packed_meal
    assert [p.name for p in nina.authorised_persons.all()] == ["Mamie Dupont"]
    assert AuditEvent.objects.filter(action="child.created", family=family).exists()


def test_child_form_proposes_the_family_name_and_schools_only(
    agent_client: Client, family: Family, school, leisure_centre
) -> None:
    page = text_of(agent_client.get(url("child_create", family_id=family.pk)))

    assert 'value="DUPONT"' in page
    assert school.name in page
    assert leisure_centre.name not in page


def test_duplicate_child_is_refused_with_a_clear_message(
    agent_client: Client, family: Family, child: Child
) -> None:
    response = agent_client.post(
        url("child_create", family_id=family.pk),
        child_post(first_name="léa", birth_date="2017-03-02"),
    )

    assert response.status_code == 400
    assert (
        "La famille DUPONT a déjà un enfant prénommé Léa, né(e) le 02/03/2017 : ouvrez sa fiche "
        "pour la modifier au lieu d'en créer une seconde."
    ) in text_of(response)
    assert family.children.count() == 1


def test_bad_child_input_answers_400_and_keeps_nothing(
    agent_client: Client, family: Family
) -> None:
    response = agent_client.post(
        url("child_create", family_id=family.pk),
        child_post(
            birth_date="2099-01-01",
            class_level="CE1",
            pai_notes="Asthme",
            **{"personnes-1-phone": "06 11 11 11 11"},
        ),
    )

    page = text_of(response)
    assert response.status_code == 400
    assert "La date de naissance ne peut pas être dans le futur." in page
    assert "Choisissez l'école de l'enfant, puisqu'une classe est indiquée." in page
    assert "Des consignes PAI sont saisies : cochez « PAI / allergie » ou effacez-les." in page
    assert "Indiquez le nom et le prénom de cette personne." in page
    assert not family.children.exists()


def test_child_edit_updates_pai_and_removes_a_person(
    agent_client: Client, family: Family, child: Child
) -> None:
    granny = AuthorisedPerson.objects.create(child=child, name="Mamie", relationship="grand-mère")
    neighbour = AuthorisedPerson.objects.create(child=child, name="Voisin")
    edit = url("child_edit", family_id=family.pk, child_id=child.pk)
    form_page = text_of(agent_client.get(edit))
    assert 'value="Mamie"' in form_page and 'value="Voisin"' in form_page
    data = child_post(
        first_name="Léa",
        birth_date="2017-03-02",
        diet="vegetarian",
        has_pai="on",
        pai_notes="Allergie à l'arachide",
        **{
            "personnes-TOTAL_FORMS": "4",
            "personnes-INITIAL_FORMS": "2",
            "personnes-0-person_id": str(granny.pk),
            "personnes-0-name": "Mamie Jeanne",
            "personnes-0-relationship": "grand-mère",
            "personnes-0-phone": "",
            "personnes-1-person_id": str(neighbour.pk),
            "personnes-1-name": "Voisin",
            "personnes-1-DELETE": "on",
            "personnes-2-name": "",
            "personnes-3-name": "",
        },
    )

    response = agent_client.post(edit, data)

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.has_pai and child.pai_notes == "Allergie à l'arachide"
    assert list(child.authorised_persons.values_list("name", flat=True)) == ["Mamie Jeanne"]
    detail = text_of(agent_client.get(url("family_detail", family_id=family.pk)))
    assert "Allergie à l'arachide" in detail
    assert "Mamie Jeanne (grand-mère)" in detail


def test_pai_notes_are_hidden_from_finance(finance: User, family: Family, child: Child) -> None:
    child.has_pai = True
    child.pai_notes = "Allergie à l'arachide"
    child.save()

    page = text_of(client_for(finance).get(url("family_detail", family_id=family.pk)))

    assert "PAI" in page
    assert "arachide" not in page


def test_child_of_another_family_is_not_found(
    agent_client: Client, family: Family, other_family: Family
) -> None:
    stranger = Child.objects.create(
        family=other_family, first_name="Tom", last_name="MARTIN", birth_date=date(2016, 1, 1)
    )
    target = url("child_edit", family_id=family.pk, child_id=stranger.pk)

    assert agent_client.get(target).status_code == 404
    assert agent_client.post(target, child_post()).status_code == 404
    stranger.refresh_from_db()
    assert stranger.first_name == "Tom"


# The family's page and its history ----------------------------------------------------------


def test_detail_shows_guardians_logins_children_and_recent_history(
    agent_client: Client, family: Family, parent: User, child: Child, agent: User
) -> None:
    parent.last_login = None
    parent.save()
    record(action="booking.approved", obj=child, by=agent, family=family)

    page = words_of(agent_client.get(url("family_detail", family_id=family.pk)))

    assert "Famille DUPONT 78322-00001" in page
    assert "Compte actif" in page and "Jamais connecté" in page
    assert "Pas de compte" in page  # Marie
    assert "Léa DUPONT" in page
    assert "Historique récent" in page
    assert "Demande acceptée" in page


def test_detail_runs_the_same_queries_for_small_and_big_families(
    agent_client: Client, family: Family, agent: User
) -> None:
    def grow(first: int, count: int) -> None:
        for n in range(first, first + count):
            kid = Child.objects.create(
                family=family, first_name=f"K{n}", last_name="X", birth_date=date(2018, 1, n)
            )
            AuthorisedPerson.objects.create(child=kid, name=f"P{n}")
            Guardian.objects.create(family=family, first_name=f"G{n}", last_name="X")
            record(action="child.created", obj=kid, by=agent, family=family)

    grow(1, 1)
    agent_client.get(url("family_detail", family_id=family.pk))
    with CaptureQueriesContext(connection) as small:
        agent_client.get(url("family_detail", family_id=family.pk))
    grow(2, 12)
    with CaptureQueriesContext(connection) as big:
        agent_client.get(url("family_detail", family_id=family.pk))
    assert len(small) == len(big)


def test_history_page_reads_in_french_and_pages(
    agent_client: Client, family: Family, agent: User, child: Child
) -> None:
    for _n in range(55):
        record(action="booking.closed", obj=child, by=agent, family=family, note="Grève")
    record(action="mystery.code", obj=family, by=None, family=family)

    first = text_of(agent_client.get(url("family_history", family_id=family.pk)))
    second = text_of(agent_client.get(url("family_history", family_id=family.pk), {"page": 2}))

    assert "56 événements" in first
    assert "mystery.code" in first and "Automatique" in first
    assert "Annulé pour fermeture" in first and "Grève" in first
    assert "Enfant : Léa DUPONT" in first
    assert "Page 1 sur 2" in first
    assert "Page 2 sur 2" in second


def test_history_page_runs_the_same_queries_for_one_or_fifty_events(
    agent_client: Client, family: Family, agent: User, parent: User
) -> None:
    record(action="family.updated", obj=family, by=agent, family=family)
    agent_client.get(url("family_history", family_id=family.pk))
    with CaptureQueriesContext(connection) as one:
        agent_client.get(url("family_history", family_id=family.pk))
    for n in range(60):
        record(action="family.updated", obj=family, by=agent if n % 2 else parent, family=family)
    with CaptureQueriesContext(connection) as many:
        agent_client.get(url("family_history", family_id=family.pk))
    assert len(one) == len(many)


# The identifier letter ----------------------------------------------------------------------


def writes() -> tuple[int, int]:
    """What a letter could write: audit events and logins."""
    return AuditEvent.objects.count(), User.objects.count()


def test_family_page_offers_the_letter_through_post_forms(
    agent_client: Client, family: Family
) -> None:
    page = text_of(agent_client.get(url("family_detail", family_id=family.pk)))

    for name, label in (
        ("family_letter", "Éditer le courrier (page imprimable)"),
        ("family_letter_pdf", "Télécharger le courrier (PDF)"),
    ):
        form = re.search(
            rf'<form method="post" action="{url(name, family_id=family.pk)}"[^>]*>(.*?)</form>',
            page,
        )
        assert form is not None, name
        assert 'name="csrfmiddlewaretoken"' in form.group(1)
        assert label in form.group(1)
    assert f'href="{url("family_letter", family_id=family.pk)}"' not in page
    assert f'href="{url("family_letter_pdf", family_id=family.pk)}"' not in page


def test_posting_the_letter_records_it_and_redirects_to_the_printable_page(
    agent_client: Client, family: Family, agent: User, settings
) -> None:
    settings.MARELLE_BASE_URL = "https://famille.example.org"
    letter_url = url("family_letter", family_id=family.pk)

    response = agent_client.post(letter_url)

    assert response.status_code == 303
    assert response["Location"] == letter_url
    assert (
        AuditEvent.objects.filter(
            action="family.letter_issued", family=family, actor=agent, note="page imprimable"
        ).count()
        == 1
    )
    before = writes()
    page = text_of(agent_client.get(letter_url))
    assert writes() == before
    assert "Courrier édité ; c'est noté dans l'historique de la famille." in page
    assert '<p class="letter__identifier-value">78322-00001</p>' in page
    assert "https://famille.example.org/connexion/" in page
    assert "Mot de passe oublié ?" in page
    assert "demo-marelle-2026" not in page
    assert "n'existe pas encore" not in page


def test_showing_the_letter_writes_nothing(agent_client: Client, family: Family) -> None:
    before = writes()

    for _reload in range(2):
        assert agent_client.get(url("family_letter", family_id=family.pk)).status_code == 200
        assert agent_client.get(url("family_letter_pdf", family_id=family.pk)).status_code == 200

    assert writes() == before


def test_letter_without_configured_address_uses_the_request_host(
    agent_client: Client, family: Family
) -> None:
    page = text_of(agent_client.get(url("family_letter", family_id=family.pk)))

    assert "http://testserver/connexion/" in page


def test_letter_pdf_is_a_real_pdf_with_the_identifier(
    agent_client: Client, family: Family, agent: User
) -> None:
    pdf_url = url("family_letter_pdf", family_id=family.pk)

    posted = agent_client.post(pdf_url)

    assert posted.status_code == 303
    assert posted["Location"] == pdf_url
    assert (
        AuditEvent.objects.filter(
            action="family.letter_issued", family=family, actor=agent, note="PDF"
        ).count()
        == 1
    )
    before = writes()
    response = agent_client.get(pdf_url)
    assert writes() == before
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="courrier-identifiant-78322-00001.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    text = pdf_text(response.content)
    assert "78322-00001" in text
    assert "Mot de passe oublié" in text


def test_letter_of_a_family_without_login_offers_to_issue_it_and_creates_the_login_once(
    agent_client: Client, agent: User
) -> None:
    agent_client.post(url("family_create"), FAMILY_POST)
    created = Family.objects.get()
    letter_url = url("family_letter", family_id=created.pk)
    pdf_url = url("family_letter_pdf", family_id=created.pk)
    before = writes()

    page = text_of(agent_client.get(letter_url))
    pdf = agent_client.get(pdf_url)

    assert writes() == before
    assert created.guardians.get().user is None
    assert f"Le compte de connexion « {created.identifier} » n'existe pas encore" in page
    notice = re.search(r'<div class="message message--warning section">(.*?)</div>', page)
    assert notice is not None
    assert f'<form method="post" action="{letter_url}">' in notice.group(1)
    assert 'name="csrfmiddlewaretoken"' in notice.group(1)
    assert "Éditer le courrier (page imprimable)" in notice.group(1)
    assert pdf.status_code == 200 and created.identifier in pdf_text(pdf.content)

    assert agent_client.post(pdf_url).status_code == 303
    agent_client.post(letter_url)

    payer = created.guardians.get()
    assert payer.user is not None and payer.user.username == created.identifier
    assert User.objects.count() == before[1] + 1
    assert AuditEvent.objects.filter(action="account.created", family=created).count() == 1
    issued = AuditEvent.objects.filter(action="family.letter_issued", family=created)
    assert sorted(issued.values_list("note", flat=True)) == ["PDF", "page imprimable"]
    assert "n'existe pas encore" not in text_of(agent_client.get(letter_url))


def test_letter_says_when_no_payer_can_receive_the_login(
    agent_client: Client, family: Family, parent: User
) -> None:
    parent.username = "dupont-jean"
    parent.save(update_fields=["username"])
    before = writes()

    page = text_of(agent_client.get(url("family_letter", family_id=family.pk)))

    assert writes() == before
    assert "Aucun compte de connexion ne porte l'identifiant « 78322-00001 »" in page
    assert "n'existe pas encore" not in page


def test_letter_warns_when_the_login_has_no_address(
    agent_client: Client, family: Family, guardian, parent: User
) -> None:
    """« Mot de passe oublié » cannot deliver to a payer without e-mail: the agent is told."""
    warning = "n'a pas d'adresse e-mail"
    assert warning not in text_of(agent_client.get(url("family_letter", family_id=family.pk)))
    parent.email = ""
    parent.save(update_fields=["email"])
    guardian.email = ""
    guardian.save(update_fields=["email"])
    assert warning in text_of(agent_client.get(url("family_letter", family_id=family.pk)))


def test_letter_post_needs_the_csrf_token(agent: User, family: Family) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = writes()

    assert client.post(url("family_letter", family_id=family.pk)).status_code == 403
    assert client.post(url("family_letter_pdf", family_id=family.pk)).status_code == 403
    assert writes() == before


def test_finance_cannot_issue_the_letter(finance: User, family: Family) -> None:
    client = client_for(finance)

    for name in ("family_letter", "family_letter_pdf"):
        assert client.get(url(name, family_id=family.pk)).status_code == 403
        assert client.post(url(name, family_id=family.pk)).status_code == 403
    assert not AuditEvent.objects.filter(action="family.letter_issued").exists()


def test_letter_refuses_other_methods(agent_client: Client, family: Family) -> None:
    assert agent_client.put(url("family_letter", family_id=family.pk)).status_code == 405
    assert agent_client.delete(url("family_letter_pdf", family_id=family.pk)).status_code == 405


# The activation e-mail ----------------------------------------------------------------------


def test_activation_email_travels_through_smtp_and_its_link_works(
    agent_client: Client,
    agent: User,
    family: Family,
    smtp: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    marie = family.guardians.get(first_name="Marie")
    marie.email = "marie.dupont@example.org"
    marie.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url("guardian_activation", family_id=family.pk, guardian_id=marie.pk), follow=True
        )

    page = text_of(response)
    assert (
        "E-mail d'activation envoyé à marie.dupont@example.org (identifiant : 78322-00001-2)"
        in (page)
    )
    [message] = smtp.to("marie.dupont@example.org")
    body = smtp.body(message)
    assert "activez votre compte" in str(message["Subject"])
    assert "Votre identifiant : 78322-00001-2" in body
    assert "Identifiant famille : 78322-00001" in body
    link = re.search(r"http://testserver(/connexion/nouveau-mot-de-passe/\S+/)", body)
    assert link, body
    form_page = Client().get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    assert "Nouveau mot de passe" in text_of(form_page)
    marie.refresh_from_db()
    assert marie.user is not None and not marie.user.has_usable_password()
    detail = text_of(agent_client.get(url("family_detail", family_id=family.pk)))
    assert "Invité, mot de passe pas encore choisi" in detail
    assert "E-mail d'activation envoyé le" in detail


def test_activation_without_email_says_what_to_do_and_changes_nothing(
    agent_client: Client, family: Family, smtp: Any
) -> None:
    marie = family.guardians.get(first_name="Marie")

    response = agent_client.post(
        url("guardian_activation", family_id=family.pk, guardian_id=marie.pk), follow=True
    )

    assert "Ajoutez une adresse e-mail ou remettez le courrier à la famille." in text_of(response)
    marie.refresh_from_db()
    assert marie.user is None
    assert smtp.messages == []
    assert not User.objects.filter(username__startswith="78322-00001-").exists()


def test_activation_refuses_get(agent_client: Client, family: Family, guardian: Guardian) -> None:
    target = url("guardian_activation", family_id=family.pk, guardian_id=guardian.pk)

    assert agent_client.get(target).status_code == 405
