"""The identifier letter: the seed letter's content, an identifier, never a password."""

from __future__ import annotations

from datetime import date

import pytest

from core.models import ServiceContact
from families.letter import build_letter, letter_pdf
from families.models import Family, Guardian
from families.tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
BASE = "https://famille.lemesnilsaintdenis.fr/"


@pytest.fixture
def contacts(db: None) -> None:
    ServiceContact.objects.create(
        domain=ServiceContact.Domain.EDUCATION,
        service="Service Scolaire",
        person="Mme TOUDIC",
        phone="01 30 13 82 97",
        email="stoudic@lemesnilsaintdenis.fr",
    )
    ServiceContact.objects.create(
        domain=ServiceContact.Domain.EARLY_CHILDHOOD,
        service="Petite enfance",
        person="Mme LE BAIL",
        phone="01 30 13 86 66",
    )


def test_letter_gives_the_identifier_and_how_to_choose_a_password(
    family: Family, contacts: None
) -> None:
    family.address_line = "12 rue des Tilleuls"
    family.postal_code = "78320"
    family.save()

    letter = build_letter(family, base_url=BASE, today=date(2026, 4, 2))

    assert letter.family_identifier == "78322-00001"
    assert letter.portal_url == "https://famille.lemesnilsaintdenis.fr/connexion/"
    assert letter.place_and_date == "Le Mesnil-Saint-Denis, le 2 avril 2026"
    assert letter.recipient_lines == [
        "Famille DUPONT",
        "Jean DUPONT et Marie DUPONT",
        "12 rue des Tilleuls",
        "78320 Le Mesnil-Saint-Denis",
    ]
    assert letter.signature == "Service Scolaire"
    steps = " ".join(letter.steps)
    assert "«\u00a0Mot de passe oublié ?\u00a0»" in steps
    assert "78322-00001" in steps
    assert "valable 60 minutes" in steps
    text = " ".join([*letter.introduction, *letter.notes]).lower()
    assert "jamais de mot de passe" in text
    assert "mot de passe :" not in text


def test_letter_asks_for_an_email_when_the_family_has_none(family: Family) -> None:
    Guardian.objects.filter(family=family).update(email="")

    letter = build_letter(family, base_url=BASE, today=date(2026, 4, 2))

    assert "pas encore d'adresse e-mail" in letter.notes[0]
    assert letter.signature == "Service Éducation"


def test_pdf_is_a4_and_carries_accents_quotes_and_the_identifier(
    family: Family, contacts: None
) -> None:
    letter = build_letter(family, base_url=BASE, today=date(2026, 4, 2))

    pdf = letter_pdf(letter, compress=False)

    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    assert b"(78322-00001)" in pdf  # uncompressed: the identifier is plain in the page
    text = pdf_text(pdf)
    assert "Mot de passe oublié" in text
    assert "«" in text and "»" in text
    assert "Mme TOUDIC" in text
    assert "https://famille.lemesnilsaintdenis.fr/connexion/" in text


def test_compressed_pdf_reads_the_same(family: Family) -> None:
    letter = build_letter(family, base_url=BASE, today=date(2026, 4, 2))

    assert "78322-00001" in pdf_text(letter_pdf(letter))


def test_euro_sign_and_ligatures_survive_helvetica(family: Family) -> None:
    family.address_line = "Résidence « Le Cœur » – 3,50 €"
    family.save()
    letter = build_letter(family, base_url=BASE, today=date(2026, 4, 2))

    assert "Résidence « Le Cœur » – 3,50 €" in pdf_text(letter_pdf(letter))
