"""The counter in a real browser: enrol, record a QF, book on behalf; axe-core on each page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from backoffice.tests.browser.support import axe_violations, log_in_agent
from bookings.models import Booking, BookingState, Enrolment
from conftest import enrol, paris
from core.models import AuditEvent
from families.models import FamilyQuotient

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Set MARELLE_SHOTS=/tmp/shots to keep screenshots of each page at desktop and tablet sizes.
SHOTS = os.environ.get("MARELLE_SHOTS", "")


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


def shoot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/family-bookings-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_enrol_record_a_quotient_and_book_on_behalf(
    page,
    live_server,
    clock,
    agent,
    family,
    child,
    sibling,
    canteen,
    wednesday_alsh,
    school_year,
    absence_reasons,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    enrol(sibling, wednesday_alsh, school_year)
    log_in_agent(page, live_server, "agent")
    base = f"{live_server.url}/gestion/familles/{family.pk}"

    # Enrol Léa in the canteen with Tuesdays and Thursdays.
    page.goto(f"{base}/inscrire/?enfant={child.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inscrire un enfant")
    assert axe_violations(page) == []
    shoot(page, "enrol")
    page.get_by_label("Activité").select_option(label=f"{canteen.name} — {canteen.site.name}")
    page.get_by_label("Jusqu'au (facultatif)").fill("2026-04-30")
    page.get_by_label("Mardi").check()
    page.get_by_label("Jeudi").check()
    page.get_by_role("button", name="Inscrire").click()
    expect(
        page.get_by_text("Inscription enregistrée : Léa à Restauration scolaire")
    ).to_be_visible()
    enrolment = Enrolment.objects.get(child=child, activity=canteen)
    assert Booking.objects.filter(enrolment=enrolment, state=BookingState.RESERVED).exists()

    # End page (not submitted): shows the days still booked.
    page.goto(f"{base}/inscriptions/{enrolment.pk}/fin/")
    expect(page.get_by_text("Jours enregistrés à venir")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "end")

    # Record a QF with its attestation; the history then links to it.
    proof = tmp_path / "attestation.pdf"
    proof.write_bytes(PDF)
    page.goto(f"{base}/quotient/")
    page.get_by_label("Quotient familial (en euros)").fill("742")
    page.get_by_label("Valable à partir du").fill("2026-01-01")
    page.get_by_label(re.compile("Justificatif")).set_input_files(str(proof))
    page.get_by_role("button", name="Enregistrer le quotient").click()
    expect(page.get_by_text("Quotient familial 742 enregistré")).to_be_visible()
    assert FamilyQuotient.objects.get().proof
    page.goto(f"{base}/quotient/")
    expect(page.get_by_role("link", name="Voir l'attestation (QF 742)")).to_be_visible()
    page.get_by_label("Quotient familial (en euros)").fill("-1")
    page.get_by_role("button", name="Enregistrer le quotient").click()
    expect(page.get_by_role("alert")).to_contain_text("Rien n'a été enregistré.")
    assert axe_violations(page) == []
    shoot(page, "quotient")

    # On behalf: Tuesday 7 April is past its deadline; the agent overrides with a reason.
    page.goto(f"{base}/enfants/{child.pk}/reservations/")
    expect(page.get_by_role("table")).to_contain_text("Jeudi 9 avril 2026")
    assert axe_violations(page) == []
    page.locator("#id_starts_on").fill("2026-04-07")
    page.locator("#id_ends_on").fill("2026-04-07")
    page.get_by_label("Passer outre le délai", exact=True).check()
    page.get_by_role("button", name="Appliquer aux jours choisis").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Indiquez pourquoi vous passez outre le délai"
    )
    assert axe_violations(page) == []
    shoot(page, "on-behalf-error")
    page.get_by_label("Motif du passage outre le délai").fill("Vu au guichet")
    page.get_by_role("button", name="Appliquer aux jours choisis").click()
    expect(
        page.get_by_text("Réservé le mardi 7 avril 2026 pour Restauration scolaire.")
    ).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Mardi 7 avril 2026"))
    expect(row).to_contain_text("Réservé")
    assert AuditEvent.objects.filter(action="booking.requested", note="Vu au guichet").exists()
    assert axe_violations(page) == []
    shoot(page, "on-behalf")

    # The family page shows both sections with their links.
    page.goto(f"{base}/")
    expect(page.get_by_role("table", name="Inscriptions de Léa DUPONT")).to_contain_text(
        "Mardi, jeudi"
    )
    expect(page.get_by_text("En vigueur : QF 742")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "family-detail")
