"""record_quotient and quotient_history: validity, overlaps, the attestation checked by content."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import paris
from core.models import AuditEvent
from families.models import FamilyQuotient
from families.quotients import QuotientError, quotient_history, record_quotient

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CAF = FamilyQuotient.Source.CAF


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=False):
        yield


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_record_quotient_stores_the_attestation_and_audits(family, agent, tmp_path):
    proof = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    recorded = record_quotient(
        family=family, value=742, source=CAF, valid_from=date(2026, 5, 1), proof=proof, by=agent
    )
    quotient = recorded.quotient
    assert quotient.value == 742
    assert quotient.proof.name.startswith("quotients/2026/")
    assert quotient.proof.name.endswith(".pdf")
    assert (tmp_path / quotient.proof.name).read_bytes() == PDF
    assert (
        recorded.message
        == "Quotient familial 742 enregistré, valable depuis le vendredi 1er mai 2026."
    )
    event = AuditEvent.objects.get(action="quotient.recorded")
    assert event.actor == agent
    assert event.family == family
    assert event.after["value"] == 742


def test_a_new_quotient_closes_the_open_one_the_day_before(family, agent):
    first = record_quotient(
        family=family, value=650, source=CAF, valid_from=date(2025, 9, 1), by=agent
    ).quotient
    recorded = record_quotient(
        family=family, value=900, source=CAF, valid_from=date(2026, 5, 1), by=agent
    )
    first.refresh_from_db()
    assert first.valid_to == date(2026, 4, 30)
    assert recorded.closed == [first]
    assert recorded.message == (
        "Quotient familial 900 enregistré, valable depuis le vendredi 1er mai 2026. "
        "Le QF 650 précédent est clos au jeudi 30 avril 2026, la veille du nouveau."
    )
    closing = AuditEvent.objects.get(action="quotient.closed")
    assert closing.before == {"valid_from": "2025-09-01", "valid_to": None}
    assert closing.after == {"valid_from": "2025-09-01", "valid_to": "2026-04-30"}


def test_a_quotient_overlapping_a_later_one_is_refused(family, agent):
    record_quotient(family=family, value=650, source=CAF, valid_from=date(2026, 5, 1), by=agent)
    with pytest.raises(QuotientError) as refused:
        record_quotient(family=family, value=500, source=CAF, valid_from=date(2026, 1, 1), by=agent)
    assert refused.value.message == (
        "Ce quotient chevauche le QF 650 valable depuis le vendredi 1er mai 2026 : indiquez "
        "une fin de validité au plus tard le jeudi 30 avril 2026."
    )
    # Bounded before the later one, it fits.
    record_quotient(
        family=family,
        value=500,
        source=CAF,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 4, 30),
        by=agent,
    )
    assert FamilyQuotient.objects.count() == 2


def test_same_start_is_refused(family, agent):
    record_quotient(family=family, value=650, source=CAF, valid_from=date(2026, 5, 1), by=agent)
    with pytest.raises(QuotientError, match="déjà enregistré depuis le vendredi 1er mai 2026"):
        record_quotient(family=family, value=700, source=CAF, valid_from=date(2026, 5, 1), by=agent)


def test_dates_must_be_ordered(family, agent):
    with pytest.raises(QuotientError) as refused:
        record_quotient(
            family=family,
            value=650,
            source=CAF,
            valid_from=date(2026, 5, 1),
            valid_to=date(2026, 4, 1),
            by=agent,
        )
    assert refused.value.message == (
        "La fin de validité (mercredi 1er avril 2026) précède son début (vendredi 1er mai 2026)."
    )
    assert not FamilyQuotient.objects.exists()


def test_a_fake_attestation_is_refused_by_its_content(family, agent, tmp_path):
    fake = SimpleUploadedFile(
        "attestation.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(QuotientError) as refused:
        record_quotient(
            family=family, value=650, source=CAF, valid_from=date(2026, 5, 1), proof=fake, by=agent
        )
    assert refused.value.message == (
        "Le justificatif doit être un PDF, un JPEG ou un PNG : ce fichier n'en est pas un."
    )
    assert not FamilyQuotient.objects.exists()
    assert stored_files(tmp_path) == []


def test_a_refused_quotient_keeps_no_orphan_attestation(family, agent, tmp_path):
    record_quotient(family=family, value=650, source=CAF, valid_from=date(2026, 5, 1), by=agent)
    proof = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    with pytest.raises(QuotientError):
        record_quotient(
            family=family, value=700, source=CAF, valid_from=date(2026, 5, 1), proof=proof, by=agent
        )
    assert stored_files(tmp_path) == []


def test_history_tells_current_upcoming_and_past(family, agent, django_assert_num_queries):
    record_quotient(family=family, value=500, source=CAF, valid_from=date(2024, 9, 1), by=agent)
    record_quotient(family=family, value=650, source=CAF, valid_from=date(2025, 9, 1), by=agent)
    record_quotient(family=family, value=900, source=CAF, valid_from=date(2026, 5, 1), by=agent)
    with django_assert_num_queries(1):
        history = quotient_history(family)
    assert history.current is not None
    assert history.current.quotient.value == 650
    assert history.current.period == "du lundi 1er septembre 2025 au jeudi 30 avril 2026"
    assert [(line.quotient.value, line.status_label) for line in history.lines] == [
        (900, "À venir"),
        (650, "En vigueur"),
        (500, "Terminé"),
    ]
    assert [line.quotient.value for line in history.others] == [900, 500]
