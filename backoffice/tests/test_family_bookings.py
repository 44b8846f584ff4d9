"""The counter through the views: enrol, end, record a QF, book and declare absences on behalf."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.tests.conftest import client_for
from backoffice.views.family_bookings import detail_context
from bookings.models import Booking, BookingSource, BookingState, Enrolment
from bookings.services import BookingRequest, apply_weekly_pattern, request_bookings
from conftest import assert_counters_match_bookings, enrol, paris
from core.models import AuditEvent
from families.models import Child, FamilyQuotient, Guardian
from families.quotients import record_quotient

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TUESDAY = date(2026, 4, 7)  # its canteen deadline was Wednesday 1 April at 12:00
THURSDAY = date(2026, 4, 9)  # still open on 2 April (deadline Friday 3 April at 12:00)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=False):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def html_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------------------------------------
# Enrolment


def enrol_url(family) -> str:
    return reverse("backoffice:enrolment_create", kwargs={"family_id": family.pk})


def test_enrol_page_offers_the_family_and_the_agents_activities(
    agent_client, family, child, canteen, creche, school_year
):
    response = agent_client.get(enrol_url(family) + f"?enfant={child.pk}")
    html = html_of(response)
    assert response.status_code == 200
    assert f'<option value="{child.pk}" selected>Léa DUPONT</option>' in html
    assert "Restauration scolaire — École élémentaire Jean Moulin" in html
    assert "Multi-accueil" not in html  # the crèche belongs to the Petite enfance service
    assert "DUPONT JEAN (payeur habituel)" in html


def test_enrol_with_a_weekly_pattern_books_and_summarises(
    agent_client, agent, family, child, guardian, canteen, school_year
):
    response = agent_client.post(
        enrol_url(family),
        {
            "child": child.pk,
            "activity": canteen.pk,
            "school_year": school_year.pk,
            "payer": guardian.pk,
            "starts_on": "",
            "ends_on": "2026-04-17",
            "weekdays": ["1", "3"],
        },
        follow=True,
    )
    assert response.status_code == 200
    enrolment = Enrolment.objects.get(child=child, activity=canteen)
    assert enrolment.ends_on == date(2026, 4, 17)
    # From today: Tuesday 7 is past its deadline; Thursday 9, Tuesday 14, Thursday 16 book.
    states = dict(Booking.objects.values_list("day_id", "state"))
    assert states == {
        date(2026, 4, 9): BookingState.RESERVED,
        date(2026, 4, 14): BookingState.RESERVED,
        date(2026, 4, 16): BookingState.RESERVED,
    }
    messages = messages_of(response)
    assert messages[0] == (
        "Inscription enregistrée : Léa à Restauration scolaire (École élémentaire Jean Moulin) "
        "pour 2025-2026, jusqu'au vendredi 17 avril 2026, payeur DUPONT JEAN."
    )
    assert messages[1] == "Semaine type (mardi, jeudi) : Réservé : 3, Refusé : 2."
    assert any("le délai est dépassé depuis le mercredi 1er avril à 12h00" in m for m in messages)
    assert AuditEvent.objects.get(action="enrolment.created").actor == agent
    assert AuditEvent.objects.get(action="pattern.applied").actor == agent


def test_enrolling_twice_answers_400_with_the_message(
    agent_client, family, child, guardian, canteen, school_year
):
    enrol(child, canteen, school_year)
    response = agent_client.post(
        enrol_url(family),
        {
            "child": child.pk,
            "activity": canteen.pk,
            "school_year": school_year.pk,
            "payer": guardian.pk,
        },
    )
    assert response.status_code == 400
    assert (
        "Léa a déjà une inscription à Restauration scolaire (École élémentaire Jean Moulin) "
        "pour 2025-2026"
    ) in html_of(response)
    assert Enrolment.objects.count() == 1


def test_enrol_form_errors_are_french_and_change_nothing(
    agent_client, family, child, guardian, canteen, creche, school_year, other_family
):
    stranger = Child.objects.create(
        family=other_family, first_name="Tom", last_name="MARTIN", birth_date=date(2017, 1, 1)
    )
    response = agent_client.post(
        enrol_url(family),
        {
            "child": stranger.pk,  # not of this family
            "activity": creche.pk,  # not of the agent's service
            "school_year": school_year.pk,
            "payer": other_family.guardians.get().pk,
            "weekdays": ["2"],
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"child", "activity", "payer", "weekdays"}
    assert "Sélectionnez un choix valide" in form.errors["child"][0]
    assert not Enrolment.objects.exists()


def test_pattern_on_a_day_the_activity_does_not_run_is_refused(
    agent_client, family, child, guardian, canteen, wednesday_alsh, school_year
):
    response = agent_client.post(
        enrol_url(family),
        {
            "child": child.pk,
            "activity": canteen.pk,
            "school_year": school_year.pk,
            "payer": guardian.pk,
            "weekdays": ["2"],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["weekdays"] == [
        "L'activité Restauration scolaire n'a pas lieu le mercredi : elle a lieu le lundi, "
        "mardi, jeudi, vendredi."
    ]


# ---------------------------------------------------------------------------------------------
# Ending an enrolment


@pytest.fixture
def booked_april(child, canteen, school_year, agent):
    enrolment = enrol(child, canteen, school_year)
    apply_weekly_pattern(
        enrolment=enrolment,
        weekdays=[0, 1, 3, 4],
        starts_on=date(2026, 4, 9),
        ends_on=date(2026, 4, 17),
        by=agent,
    )
    return enrolment


def end_url(enrolment) -> str:
    return reverse(
        "backoffice:enrolment_end",
        kwargs={"family_id": enrolment.child.family_id, "enrolment_id": enrolment.pk},
    )


def test_end_enrolment_needs_the_explicit_choice_to_cancel(agent_client, booked_april):
    response = agent_client.get(end_url(booked_april))
    assert response.status_code == 200
    assert "6 jours (du jeudi 9 avril 2026 au vendredi 17 avril 2026)" in html_of(response)
    response = agent_client.post(end_url(booked_april), {"ends_on": "2026-04-10"})
    assert response.status_code == 400
    assert "4 jour(s) de Léa à Restauration scolaire restent enregistrés" in html_of(response)
    # The summary now counts from the chosen end, as the service does.
    assert "Jours enregistrés après le vendredi 10 avril 2026" in html_of(response)
    assert "4 jours (du lundi 13 avril 2026 au vendredi 17 avril 2026)" in html_of(response)
    booked_april.refresh_from_db()
    assert booked_april.ends_on is None
    response = agent_client.post(
        end_url(booked_april), {"ends_on": "2026-04-10", "cancel_bookings": "on"}, follow=True
    )
    assert messages_of(response) == [
        "L'inscription de Léa à Restauration scolaire se termine le vendredi 10 avril 2026. "
        "4 jour(s) annulé(s) sans frais."
    ]
    booked_april.refresh_from_db()
    assert booked_april.ends_on == date(2026, 4, 10)
    assert_counters_match_bookings()


def test_end_enrolment_outside_the_family_or_scope_is_not_found(
    agent_client, booked_april, other_family, toddler, creche, school_year
):
    wrong_family = reverse(
        "backoffice:enrolment_end",
        kwargs={"family_id": other_family.pk, "enrolment_id": booked_april.pk},
    )
    assert agent_client.get(wrong_family).status_code == 404
    assert agent_client.post(wrong_family, {"ends_on": "2026-04-10"}).status_code == 404
    creche_enrolment = enrol(toddler, creche, school_year)
    assert (
        agent_client.post(end_url(creche_enrolment), {"ends_on": "2026-04-10"}).status_code == 404
    )


# ---------------------------------------------------------------------------------------------
# Quotient familial


def quotient_url(family) -> str:
    return reverse("backoffice:quotient_create", kwargs={"family_id": family.pk})


def test_record_a_quotient_with_its_attestation_then_view_it(agent_client, agent, family, finance):
    response = agent_client.get(quotient_url(family))
    assert response.status_code == 200
    assert 'value="2026-05-01"' in html_of(response)  # next month by default
    proof = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    response = agent_client.post(
        quotient_url(family),
        {"value": "742", "source": "caf", "valid_from": "2026-05-01", "proof": proof},
        follow=True,
    )
    assert messages_of(response) == [
        "Quotient familial 742 enregistré, valable depuis le vendredi 1er mai 2026."
    ]
    quotient = FamilyQuotient.objects.get()
    assert AuditEvent.objects.get(action="quotient.recorded").actor == agent
    proof_url = reverse(
        "backoffice:quotient_proof", kwargs={"family_id": family.pk, "quotient_id": quotient.pk}
    )
    response = client_for(finance).get(proof_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_quotient_errors_answer_400_and_record_nothing(agent_client, family):
    fake = SimpleUploadedFile("attestation.pdf", b"GIF89a fake", content_type="application/pdf")
    response = agent_client.post(
        quotient_url(family),
        {"value": "742", "source": "caf", "valid_from": "2026-05-01", "proof": fake},
    )
    assert response.status_code == 400
    assert "Le justificatif doit être un PDF, un JPEG ou un PNG" in html_of(response)
    response = agent_client.post(
        quotient_url(family),
        {"value": "-3", "source": "caf", "valid_from": "2026-05-01", "valid_to": "2026-04-01"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["valid_to"] == ["La fin de validité doit suivre son début."]
    assert "value" in errors
    assert not FamilyQuotient.objects.exists()


def test_quotient_proof_of_another_family_is_not_found(agent_client, agent, family, other_family):
    proof = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    quotient = record_quotient(
        family=other_family,
        value=650,
        source="caf",
        valid_from=date(2025, 9, 1),
        proof=proof,
        by=agent,
    ).quotient
    url = reverse(
        "backoffice:quotient_proof", kwargs={"family_id": family.pk, "quotient_id": quotient.pk}
    )
    assert agent_client.get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# On behalf of a family


def behalf_url(child) -> str:
    return reverse(
        "backoffice:booking_on_behalf",
        kwargs={"family_id": child.family_id, "child_id": child.pk},
    )


def behalf_post(enrolment, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "enrolment": enrolment.pk,
        "action": "reserve",
        "starts_on": "2026-04-07",
        "ends_on": "2026-04-07",
        "weekdays": ["0", "1", "3", "4"],
    }
    data.update(overrides)
    return data


def test_on_behalf_page_shows_the_month_read_only(agent_client, child, enrolled, agent):
    request_bookings(requests=[BookingRequest(child, enrolled.activity, THURSDAY)], by=agent)
    response = agent_client.get(behalf_url(child))
    html = html_of(response)
    assert response.status_code == 200
    assert "Jours de Léa à Restauration scolaire, avril 2026 (lecture seule)" in html
    assert '<th scope="row">Jeudi 9 avril 2026</th>' in html
    assert '<span class="badge badge--ok">Réservé</span>' in html
    assert "Jour férié (Lundi de Pâques)." in html


def test_reservation_past_the_deadline_needs_an_override_with_a_reason(
    agent_client, agent, child, enrolled
):
    response = agent_client.post(behalf_url(child), behalf_post(enrolled), follow=True)
    assert messages_of(response)[-1] == (
        "Réservation impossible pour Léa le mardi 7 avril 2026 pour Restauration scolaire : "
        "le délai est dépassé depuis le mercredi 1er avril à 12h00."
    )
    assert not Booking.objects.exists()

    response = agent_client.post(
        behalf_url(child), behalf_post(enrolled, override_deadline="on", override_reason="  ")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["override_reason"] == [
        "Indiquez pourquoi vous passez outre le délai : ce motif est enregistré dans "
        "l'historique de la famille."
    ]
    assert not Booking.objects.exists()

    response = agent_client.post(
        behalf_url(child),
        behalf_post(
            enrolled, override_deadline="on", override_reason="Reprise du travail, vu au guichet"
        ),
        follow=True,
    )
    assert "Réservé le mardi 7 avril 2026 pour Restauration scolaire." in messages_of(response)
    assert response.redirect_chain[-1][0].endswith(f"?inscription={enrolled.pk}&mois=2026-04")
    booking = Booking.objects.get()
    assert (booking.state, booking.source, booking.is_late) == (
        BookingState.RESERVED,
        BookingSource.STAFF,
        False,
    )
    event = AuditEvent.objects.get(action="booking.requested")
    assert event.actor == agent
    assert event.note == "Reprise du travail, vu au guichet"
    assert event.family_id == child.family_id


def test_absence_on_behalf_after_the_deadline_is_billed_or_cancelled_with_override(
    agent_client, agent, child, enrolled, absence_reasons
):
    request_bookings(
        requests=[
            BookingRequest(child, enrolled.activity, d) for d in (date(2026, 4, 2), THURSDAY)
        ],
        by=agent,
        source=BookingSource.STAFF,
        deadline_override="test",
    )
    # Thursday 2 April: the cancellation deadline (the day before at 12:00) is past.
    response = agent_client.post(
        behalf_url(child),
        behalf_post(
            enrolled,
            action="absence",
            starts_on="2026-04-02",
            ends_on="2026-04-02",
            reason=absence_reasons["personal"].pk,
        ),
        follow=True,
    )
    assert (
        "Léa, Restauration scolaire, jeudi 2 avril 2026 : délai d'annulation dépassé depuis le "
        "mercredi 1er avril à 12h00, l'absence sera facturée."
    ) in messages_of(response)
    assert Booking.objects.get(day_id=date(2026, 4, 2)).state == BookingState.ABSENT_BILLED

    proof = SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf")
    response = agent_client.post(
        behalf_url(child),
        behalf_post(
            enrolled,
            action="absence",
            starts_on="2026-04-09",
            ends_on="2026-04-09",
            reason=absence_reasons["sick"].pk,
            note="Varicelle",
            proof=proof,
            override_deadline="on",
            override_reason="Certificat apporté au guichet",
        ),
        follow=True,
    )
    booking = Booking.objects.get(day_id=THURSDAY)
    assert booking.state == BookingState.CANCELLED
    assert booking.absence_note == "Varicelle"
    assert booking.absence_proof.name.endswith(".pdf")
    event = AuditEvent.objects.filter(action="booking.absence_declared").latest("pk")
    assert (event.actor, event.note) == (agent, "Certificat apporté au guichet")
    assert_counters_match_bookings()


def test_absence_needs_a_reason_and_a_booked_day(agent_client, child, enrolled, absence_reasons):
    response = agent_client.post(behalf_url(child), behalf_post(enrolled, action="absence"))
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Choisissez le motif de l'absence."]
    response = agent_client.post(
        behalf_url(child),
        behalf_post(enrolled, action="absence", reason=absence_reasons["personal"].pk),
    )
    assert response.status_code == 400
    assert (
        "Aucune réservation de Léa à Restauration scolaire les jours cochés entre le mardi "
        "7 avril 2026 et le mardi 7 avril 2026 : rien à déclarer absent."
    ) in html_of(response)


def test_cancel_a_pending_request_on_behalf(
    agent_client, agent, child, parent, wednesday_alsh, school_year
):
    enrolment = enrol(child, wednesday_alsh, school_year)
    wednesday = date(2026, 4, 8)  # within 7 days: the family's late request awaits the service
    [result] = request_bookings(
        requests=[BookingRequest(child, wednesday_alsh, wednesday)], by=parent
    )
    assert result.outcome == "requested"
    response = agent_client.post(
        behalf_url(child),
        behalf_post(
            enrolment, action="cancel", starts_on="2026-04-06", ends_on="2026-04-10", weekdays=["2"]
        ),
        follow=True,
    )
    assert "Demande annulée le mercredi 8 avril 2026 pour ALSH Mercredi après-midi." in (
        messages_of(response)
    )
    assert Booking.objects.get().state == BookingState.CANCELLED
    assert AuditEvent.objects.get(action="booking.request_cancelled").actor == agent


def test_on_behalf_scoping_gives_404(
    agent_client, child, enrolled, other_family, toddler, creche, school_year
):
    stranger = Child.objects.create(
        family=other_family, first_name="Tom", last_name="MARTIN", birth_date=date(2017, 1, 1)
    )
    wrong_family = reverse(
        "backoffice:booking_on_behalf",
        kwargs={"family_id": child.family_id, "child_id": stranger.pk},
    )
    assert agent_client.get(wrong_family).status_code == 404
    assert agent_client.post(wrong_family, behalf_post(enrolled)).status_code == 404
    creche_enrolment = enrol(toddler, creche, school_year)
    assert (
        agent_client.get(behalf_url(toddler) + f"?inscription={creche_enrolment.pk}").status_code
        == 404
    )
    assert agent_client.post(behalf_url(toddler), behalf_post(creche_enrolment)).status_code == 404
    # Another child's enrolment posted for this child.
    assert agent_client.post(behalf_url(toddler), behalf_post(enrolled)).status_code == 404
    assert not Booking.objects.exists()


def test_child_without_enrolment_in_scope_gets_a_clear_page(
    agent_client, toddler, creche, school_year
):
    enrol(toddler, creche, school_year)
    response = agent_client.get(behalf_url(toddler))
    assert response.status_code == 200
    assert "Zoé n'a aucune inscription en cours dans les activités de votre service." in html_of(
        response
    )


def test_period_with_no_running_day_is_a_400(agent_client, child, enrolled):
    response = agent_client.post(
        behalf_url(child),
        behalf_post(enrolled, starts_on="2026-04-20", ends_on="2026-04-30"),  # spring holidays
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Restauration scolaire n'a lieu aucun des jours cochés entre le lundi 20 avril 2026 et "
        "le jeudi 30 avril 2026 : rien à faire."
    ]


# ---------------------------------------------------------------------------------------------
# The family page's sections


def make_family_busy(family, school_year, canteen, wednesday_alsh, agent, children: int) -> None:
    payer = Guardian.objects.get(family=family, is_payer=True)
    for n in range(children):
        kid = Child.objects.create(
            family=family, first_name=f"Enfant{n}", last_name="DUPONT", birth_date=date(2018, 1, 1)
        )
        for activity in (canteen, wednesday_alsh):
            enrolment = Enrolment.objects.create(
                child=kid, activity=activity, school_year=school_year, payer=payer
            )
            enrolment.patterns.create(
                weekdays=[1], starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
            )
        record_quotient(
            family=family, value=500 + n, source="caf", valid_from=date(2020 + n, 1, 1), by=agent
        )


def test_detail_context_runs_a_constant_number_of_queries(
    family, other_family, school_year, canteen, wednesday_alsh, agent
):
    make_family_busy(family, school_year, canteen, wednesday_alsh, agent, children=1)
    make_family_busy(other_family, school_year, canteen, wednesday_alsh, agent, children=5)
    counts = []
    for fam in (family, other_family):
        with CaptureQueriesContext(connection) as queries:
            context = detail_context(fam, agent)
            render_to_string("backoffice/families/_enrolments.html", context)
            render_to_string("backoffice/families/_quotients.html", context)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 5
    assert len(context["enrolment_section"].children) == 5


def test_sections_show_what_the_agent_may_do(family, child, enrolled, finance, agent, settings):
    record_quotient(family=family, value=650, source="caf", valid_from=date(2025, 9, 1), by=agent)
    as_agent = render_to_string(
        "backoffice/families/_enrolments.html", detail_context(family, agent)
    )
    assert "Inscrire un enfant" in as_agent
    assert "Mettre fin" in as_agent
    assert "Réserver ou déclarer une absence pour Léa" in as_agent
    as_finance = render_to_string(
        "backoffice/families/_enrolments.html", detail_context(family, finance)
    )
    assert "<caption>Inscriptions de Léa DUPONT</caption>" in as_finance
    assert '<th scope="row">Restauration scolaire</th>' in as_finance
    assert "Inscrire" not in as_finance
    assert "Mettre fin" not in as_finance
    quotients = render_to_string(
        "backoffice/families/_quotients.html", detail_context(family, finance)
    )
    assert "En vigueur : <strong>QF 650</strong> (Attestation CAF)" in quotients
    assert "Enregistrer un quotient" in quotients  # finance records QF
    read_only = render_to_string("backoffice/families/_quotients.html", detail_context(family))
    assert "Enregistrer un quotient" not in read_only
