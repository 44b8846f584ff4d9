"""The request inbox through its views: lists, filters, scope, decisions, proofs, waiting lists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from backoffice.tests.conftest import client_for
from bookings.models import Booking, BookingState
from bookings.services.absences import declare_absence
from bookings.services.base import BookingRequest
from bookings.services.requests import request_bookings
from catalog.models import Activity, CalendarDay, DayKind, SchoolYear
from conftest import assert_counters_match_bookings, booking_of, enrol, paris
from core.models import AuditEvent
from families.models import Child, ClassLevel, Family

S = BookingState
THURSDAY = date(2026, 4, 2)
WEDNESDAY = date(2026, 4, 8)
ASKED = paris(2026, 3, 20, 9, 0)  # before every deadline of the fixtures
LATE = paris(2026, 4, 5, 9, 0)  # after the ALSH cancellation deadline of 8 April
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INBOX = reverse("backoffice:inbox")
DECIDE = reverse("backoffice:inbox_decide")


@pytest.fixture(autouse=True)
def _clock():
    """The agents work on 1 April 2026, before the fixtures' days (the inbox hides the
    waiting lists of days gone by)."""
    with time_machine.travel(paris(2026, 4, 1, 8, 0), tick=True):
        yield


# ---------------------------------------------------------------------------------------------
# Helpers


def kid(family: Family, first_name: str, school: Any = None) -> Child:
    return Child.objects.create(
        family=family,
        first_name=first_name,
        last_name=family.name,
        birth_date=date(2017, 5, 1),
        school=school,
        class_level=ClassLevel.CM1,
    )


def ask(child: Child, activity: Activity, *days: date, by: User | None = None) -> list[Booking]:
    """Request days through the service and return the bookings made."""
    results = request_bookings(
        requests=[BookingRequest(child, activity, day) for day in days], by=by, now=ASKED
    )
    assert all(r.booking_id for r in results), [r.message for r in results]
    return [booking_of(r) for r in results]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def ids_on_page(response: Any) -> set[int]:
    return {row.booking_id for row in response.context["page"].rows}


@pytest.fixture
def staff_canteen(canteen: Activity) -> Activity:
    """The canteen with staff validation: every request waits in the inbox."""
    canteen.validation_mode = Activity.ValidationMode.STAFF
    canteen.save()
    return canteen


@pytest.fixture
def pending(
    family,
    child,
    sibling,
    toddler,
    other_family,
    staff_canteen,
    creche,
    creche_enrolment,
    wednesday_alsh,
    school_year,
    school,
    parent,
) -> dict[str, Any]:
    """A canteen request, a crèche request and an ALSH day full with one child waiting."""
    enrol(child, staff_canteen, school_year)
    enrol(sibling, staff_canteen, school_year)
    [lea_canteen] = ask(child, staff_canteen, THURSDAY)
    [hugo_canteen] = ask(sibling, staff_canteen, date(2026, 4, 14))
    [zoe_creche] = ask(toddler, creche, THURSDAY)
    tom = kid(other_family, "Tom", school)
    alsh = []
    for someone in (child, sibling, tom):
        enrol(someone, wednesday_alsh, school_year)
        alsh += ask(someone, wednesday_alsh, WEDNESDAY)
    assert [b.state for b in alsh] == [S.RESERVED, S.RESERVED, S.WAITING_LIST]
    return {
        "lea_canteen": lea_canteen,
        "hugo_canteen": hugo_canteen,
        "zoe_creche": zoe_creche,
        "alsh": alsh,
        "tom": tom,
    }


# ---------------------------------------------------------------------------------------------
# The list


def test_inbox_lists_the_pending_requests_of_the_agents_scope(agent_client, pending) -> None:
    response = agent_client.get(INBOX)
    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [(r.child_name, r.activity_name, r.kind) for r in rows] == [
        ("Léa DUPONT", "Restauration scolaire", S.REQUESTED),
        ("Tom MARTIN", "ALSH Mercredi après-midi", S.WAITING_LIST),
        ("Hugo DUPONT", "Restauration scolaire", S.REQUESTED),
    ]
    html = response.content.decode()
    assert "jeudi 2 avril 2026" in html
    assert "78322-00001" in html and "CE2" in html
    assert "120 sur 120" in html  # pending requests hold no place
    waiting = rows[1]
    assert waiting.rank == 1 and waiting.places.is_full
    assert "complet" in html
    assert reverse("backoffice:waiting_list", args=[waiting.activity_id, WEDNESDAY]) in html
    # The crèche belongs to the Petite enfance service.
    assert "Zoé" not in html


def test_creche_agent_sees_only_the_creche(early_childhood_agent, pending) -> None:
    response = client_for(early_childhood_agent).get(INBOX)
    assert ids_on_page(response) == {pending["zoe_creche"].pk}
    assert "Restauration scolaire" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "waiting_list"}, ["tom"]),
        ({"kind": "requested"}, ["lea", "hugo"]),
        ({"day_from": "2026-04-03"}, ["tom", "hugo"]),
        ({"day_from": "2026-04-01", "day_to": "2026-04-08"}, ["lea", "tom"]),
        ({"family": "martin"}, ["tom"]),
        ({"family": "78322-00001"}, ["lea", "hugo"]),
    ],
)
def test_filters(agent_client, pending, query, expected) -> None:
    names = {
        "lea": pending["lea_canteen"].pk,
        "hugo": pending["hugo_canteen"].pk,
        "tom": pending["alsh"][2].pk,
    }
    response = agent_client.get(INBOX, query)
    assert response.status_code == 200
    assert [r.booking_id for r in response.context["page"].rows] == [names[n] for n in expected]


def test_filter_by_activity_and_site(agent_client, pending, staff_canteen, leisure_centre) -> None:
    by_activity = agent_client.get(INBOX, {"activity": staff_canteen.pk})
    assert ids_on_page(by_activity) == {pending["lea_canteen"].pk, pending["hugo_canteen"].pk}
    by_site = agent_client.get(INBOX, {"site": leisure_centre.pk})
    assert ids_on_page(by_site) == {pending["alsh"][2].pk}


def test_a_filter_outside_the_scope_is_refused(agent_client, pending, creche) -> None:
    response = agent_client.get(INBOX, {"activity": creche.pk})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert pending["zoe_creche"].pk not in ids_on_page(response)


def test_dates_in_the_wrong_order_are_explained(agent_client, pending) -> None:
    response = agent_client.get(INBOX, {"day_from": "2026-04-10", "day_to": "2026-04-01"})
    assert response.status_code == 400
    assert "La date de fin (01/04/2026) précède la date de début (10/04/2026)." in (
        response.content.decode()
    )


def test_inbox_shows_late_flag_absence_reason_note_and_proof(
    agent_client, pending, absence_reasons, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    lea_alsh = pending["alsh"][0]
    declare_absence(
        bookings=[lea_alsh],
        reason=absence_reasons["sick"],
        note="Varicelle",
        proof=SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf"),
        by=None,
        now=LATE,
    )
    Booking.objects.filter(pk=pending["hugo_canteen"].pk).update(is_late=True)
    html = agent_client.get(INBOX).content.decode()
    assert "Maladie (certificat médical)" in html and "Varicelle" in html
    assert reverse("backoffice:inbox_proof", args=[lea_alsh.pk]) in html
    assert "hors délai" in html
    assert "Absence" in html


# ---------------------------------------------------------------------------------------------
# Decisions


def test_approve_one_request(agent_client, agent, pending, staff_canteen) -> None:
    booking = pending["lea_canteen"]
    back = f"{INBOX}?activity={staff_canteen.pk}&kind=requested"
    response = agent_client.post(DECIDE, {"approve_one": booking.pk, "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert messages_of(response) == [
        "Léa DUPONT, Restauration scolaire, jeudi 2 avril 2026 : réservation acceptée"
    ]
    booking.refresh_from_db()
    assert booking.state == S.RESERVED and booking.decided_by == agent
    event = AuditEvent.objects.filter(object_id=str(booking.pk)).first()
    assert event is not None and event.action == "booking.approved" and event.actor == agent
    assert booking.pk not in ids_on_page(agent_client.get(back))
    assert_counters_match_bookings()


def test_bulk_approve(agent_client, agent, pending, other_family, school_year, staff_canteen):
    tom = pending["tom"]
    enrol(tom, staff_canteen, school_year)
    [tom_canteen] = ask(tom, staff_canteen, THURSDAY)
    chosen = [pending["lea_canteen"], pending["hugo_canteen"], tom_canteen]
    response = agent_client.post(
        DECIDE, {"bookings": [b.pk for b in chosen], "decision": "approve", "next": INBOX}
    )
    assert response.status_code == 302
    assert len(messages_of(response)) == 3
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in chosen]).values_list("state", flat=True)
    ) == {S.RESERVED}
    assert AuditEvent.objects.filter(action="booking.approved", actor=agent).count() == 3
    assert_counters_match_bookings()


def test_refusal_needs_a_reason_and_changes_nothing(agent_client, pending) -> None:
    chosen = [pending["lea_canteen"].pk, pending["hugo_canteen"].pk]
    events = AuditEvent.objects.count()
    response = agent_client.post(
        DECIDE,
        {
            "bookings": chosen,
            "decision": "refuse",
            "reason": "  ",
            "next": f"{INBOX}?kind=requested",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez le motif du refus : il sera communiqué à la famille." in html
    # The list is shown again with the same filters and the same rows ticked.
    assert ids_on_page(response) == set(chosen)
    assert response.context["selected"] == set(chosen)
    assert set(Booking.objects.filter(pk__in=chosen).values_list("state", flat=True)) == {
        S.REQUESTED
    }
    assert AuditEvent.objects.count() == events


def test_nothing_ticked_is_explained(agent_client, pending) -> None:
    response = agent_client.post(DECIDE, {"decision": "approve"})
    assert response.status_code == 400
    assert "Cochez au moins une demande dans la liste." in response.content.decode()


def test_bulk_refuse_with_reason(agent_client, agent, pending) -> None:
    chosen = [pending["lea_canteen"], pending["hugo_canteen"]]
    response = agent_client.post(
        DECIDE,
        {"bookings": [b.pk for b in chosen], "decision": "refuse", "reason": "Sortie scolaire"},
    )
    assert response.status_code == 302 and response["Location"] == INBOX
    assert "Léa DUPONT, Restauration scolaire, jeudi 2 avril 2026 : réservation refusée" in (
        messages_of(response)
    )
    for booking in chosen:
        booking.refresh_from_db()
        assert booking.state == S.REFUSED and booking.decision_note == "Sortie scolaire"
    assert AuditEvent.objects.filter(action="booking.refused", actor=agent).count() == 2


def test_already_processed_request_is_reported_and_unchanged(agent_client, pending) -> None:
    booking = pending["lea_canteen"]
    agent_client.post(DECIDE, {"approve_one": booking.pk}, follow=True)
    events = AuditEvent.objects.count()
    response = agent_client.post(
        DECIDE, {"bookings": [booking.pk], "decision": "refuse", "reason": "Doublon"}
    )
    assert response.status_code == 302
    [message] = messages_of(response)
    assert message.startswith("Léa DUPONT : Cette demande (Léa, Restauration scolaire, jeudi 2 ")
    assert "a déjà été traitée : son état est « Réservé »" in message
    booking.refresh_from_db()
    assert booking.state == S.RESERVED
    assert AuditEvent.objects.count() == events


def test_a_request_outside_the_scope_voids_the_whole_post(agent_client, pending) -> None:
    chosen = [pending["lea_canteen"].pk, pending["zoe_creche"].pk]
    response = agent_client.post(DECIDE, {"bookings": chosen, "decision": "approve"})
    assert response.status_code == 404
    assert set(Booking.objects.filter(pk__in=chosen).values_list("state", flat=True)) == {
        S.REQUESTED
    }
    assert not AuditEvent.objects.filter(action="booking.approved").exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/gestion/demandes/", "//evil.example/gestion/demandes/", "/"]
)
def test_only_a_local_inbox_page_is_a_return_address(agent_client, pending, target) -> None:
    response = agent_client.post(DECIDE, {"approve_one": pending["lea_canteen"].pk, "next": target})
    assert response["Location"] == INBOX


def test_full_day_gives_the_services_message(agent_client, pending) -> None:
    waiting = pending["alsh"][2]
    response = agent_client.post(DECIDE, {"approve_one": waiting.pk})
    [message] = messages_of(response)
    assert message.startswith("Tom MARTIN : Plus de place le mercredi 8 avril 2026")
    waiting.refresh_from_db()
    assert waiting.state == S.WAITING_LIST


# ---------------------------------------------------------------------------------------------
# Bulk decisions: one message per request up to ten, one summary above


def canteen_requests(family, school, school_year, staff_canteen, count: int) -> list[Booking]:
    """Alice asks for `count` canteen days from 30 March on."""
    alice = kid(family, "Alice", school)
    enrol(alice, staff_canteen, school_year)
    _fill(alice, staff_canteen, school_year, count)
    found = list(Booking.objects.filter(child=alice).order_by("day"))
    assert len(found) == count
    return found


@pytest.mark.parametrize(
    ("decision", "outcome"),
    [("approve", "réservation acceptée"), ("refuse", "réservation refusée")],
)
def test_ten_decisions_are_reported_one_by_one(
    agent_client, family, school, school_year, staff_canteen, decision, outcome
) -> None:
    chosen = canteen_requests(family, school, school_year, staff_canteen, 10)
    response = agent_client.post(
        DECIDE, {"bookings": [b.pk for b in chosen], "decision": decision, "reason": "Non"}
    )
    assert response.status_code == 302
    reported = messages_of(response)
    assert len(reported) == 10
    assert reported[0] == f"Alice DUPONT, Restauration scolaire, lundi 30 mars 2026 : {outcome}"
    assert all(m.startswith("Alice DUPONT, Restauration scolaire, ") for m in reported)
    assert all(m.endswith(f" : {outcome}") for m in reported)


def test_bulk_approval_above_ten_is_summed_up_with_each_failure(
    agent_client, agent, pending, family, school, school_year, staff_canteen
) -> None:
    chosen = canteen_requests(family, school, school_year, staff_canteen, 11)
    agent_client.post(DECIDE, {"approve_one": chosen[3].pk}, follow=True)  # processed before
    tom_waiting = pending["alsh"][2]  # the ALSH day is full
    response = agent_client.post(
        DECIDE, {"bookings": [b.pk for b in [*chosen, tom_waiting]], "decision": "approve"}
    )
    assert response.status_code == 302
    summary, *failures = get_messages(response.wsgi_request)
    assert str(summary) == "10 demandes acceptées, 2 non traitées (détail ci-dessous)."
    assert summary.tags == "success"
    assert [m.tags for m in failures] == ["error", "error"]
    already, full = (str(m) for m in failures)
    assert already.startswith("Alice DUPONT : Cette demande (Alice, Restauration scolaire, ")
    assert "a déjà été traitée : son état est « Réservé »" in already
    assert full.startswith("Tom MARTIN : Plus de place le mercredi 8 avril 2026")
    assert {b.state for b in Booking.objects.filter(child__first_name="Alice")} == {S.RESERVED}
    assert AuditEvent.objects.filter(action="booking.approved", actor=agent).count() == 11
    tom_waiting.refresh_from_db()
    assert tom_waiting.state == S.WAITING_LIST
    assert_counters_match_bookings()


def test_bulk_refusal_above_ten_is_summed_up_with_what_each_meant(
    agent_client, pending, family, school, school_year, staff_canteen, absence_reasons
) -> None:
    chosen = canteen_requests(family, school, school_year, staff_canteen, 11)
    lea_alsh, _hugo, tom_alsh = pending["alsh"]
    declare_absence(bookings=[lea_alsh], reason=absence_reasons["strike"], by=None, now=LATE)
    response = agent_client.post(
        DECIDE,
        {
            "bookings": [b.pk for b in [*chosen, lea_alsh]],
            "decision": "refuse",
            "reason": "Sortie scolaire",
        },
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "12 demandes refusées. Soit : réservation refusée (11) ; absence refusée, le jour "
        "sera facturé (1).",
        "Tom MARTIN, ALSH Mercredi après-midi, mercredi 8 avril 2026 : place libérée, "
        "attribuée depuis la liste d'attente.",
    ]
    assert {b.state for b in Booking.objects.filter(child__first_name="Alice")} == {S.REFUSED}
    lea_alsh.refresh_from_db()
    tom_alsh.refresh_from_db()
    assert (lea_alsh.state, tom_alsh.state) == (S.ABSENT_BILLED, S.RESERVED)
    assert_counters_match_bookings()


def test_many_places_freed_are_summed_up(
    agent_client, long_queue, pending, absence_reasons, monkeypatch
) -> None:
    monkeypatch.setattr("backoffice.views.inbox.DETAILED_UP_TO", 1)
    lea_alsh, hugo_alsh, _tom = pending["alsh"]
    declare_absence(
        bookings=[lea_alsh, hugo_alsh], reason=absence_reasons["strike"], by=None, now=LATE
    )
    response = agent_client.post(
        DECIDE, {"bookings": [lea_alsh.pk, hugo_alsh.pk], "decision": "approve"}
    )
    assert messages_of(response) == [
        "2 demandes acceptées. Soit : absence excusée, non facturée (2).",
        "2 places libérées, attribuées depuis la liste d'attente : Tom MARTIN (mercredi 8 avril "
        "2026), Jules DUPONT (mercredi 8 avril 2026).",
    ]
    assert [Booking.objects.get(pk=b.pk).state for b in long_queue] == [
        S.RESERVED,
        S.RESERVED,
        S.WAITING_LIST,
    ]


# ---------------------------------------------------------------------------------------------
# One refusal with its page


def test_refusal_page_shows_the_request_and_refuses(agent_client, agent, pending) -> None:
    booking = pending["hugo_canteen"]
    url = reverse("backoffice:inbox_refuse", args=[booking.pk])
    back = f"{INBOX}?family=dupont"
    page = agent_client.get(url, {"next": back})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hugo DUPONT" in html and "mardi 14 avril 2026" in html and "78322-00001" in html
    empty = agent_client.post(url, {"reason": "", "next": back})
    assert empty.status_code == 400
    assert "Indiquez le motif du refus" in empty.content.decode()
    booking.refresh_from_db()
    assert booking.state == S.REQUESTED
    done = agent_client.post(url, {"reason": "Classe de découverte", "next": back})
    assert done.status_code == 302 and done["Location"] == back
    booking.refresh_from_db()
    assert booking.state == S.REFUSED and booking.decided_by == agent
    again = agent_client.get(url)
    assert "a déjà été traitée" in again.content.decode()


def test_refusal_page_of_another_scope_is_not_found(agent_client, pending) -> None:
    url = reverse("backoffice:inbox_refuse", args=[pending["zoe_creche"].pk])
    assert agent_client.get(url).status_code == 404
    assert agent_client.post(url, {"reason": "Non"}).status_code == 404
    assert Booking.objects.get(pk=pending["zoe_creche"].pk).state == S.REQUESTED


# ---------------------------------------------------------------------------------------------
# Places freed: the waiting list moves up by itself, oldest first


def test_excusing_an_absence_gives_the_place_to_the_oldest_waiting(
    agent_client, agent, pending, absence_reasons, school_year, wednesday_alsh, family
) -> None:
    lea_alsh, _hugo_alsh, tom_alsh = pending["alsh"]
    latecomer = kid(family, "Jules")
    enrol(latecomer, wednesday_alsh, school_year)
    [jules_alsh] = ask(latecomer, wednesday_alsh, WEDNESDAY)
    assert jules_alsh.state == S.WAITING_LIST
    declare_absence(bookings=[lea_alsh], reason=absence_reasons["strike"], by=None, now=LATE)
    lea_alsh.refresh_from_db()
    assert lea_alsh.state == S.ABSENCE_REQUESTED
    response = agent_client.post(DECIDE, {"approve_one": lea_alsh.pk})
    assert messages_of(response) == [
        "Léa DUPONT, ALSH Mercredi après-midi, mercredi 8 avril 2026 : absence excusée, "
        "non facturée",
        "Tom MARTIN, ALSH Mercredi après-midi, mercredi 8 avril 2026 : place libérée, "
        "attribuée depuis la liste d'attente.",
    ]
    tom_alsh.refresh_from_db()
    jules_alsh.refresh_from_db()
    assert (tom_alsh.state, jules_alsh.state) == (S.RESERVED, S.WAITING_LIST)
    promoted = AuditEvent.objects.get(action="booking.promoted", object_id=str(tom_alsh.pk))
    assert promoted.actor == agent
    assert_counters_match_bookings()


def test_refusing_an_absence_bills_it_and_frees_the_place(
    agent_client, pending, absence_reasons
) -> None:
    lea_alsh, _hugo, tom_alsh = pending["alsh"]
    declare_absence(bookings=[lea_alsh], reason=absence_reasons["strike"], by=None, now=LATE)
    response = agent_client.post(
        reverse("backoffice:inbox_refuse", args=[lea_alsh.pk]), {"reason": "Pas de grève ce jour"}
    )
    assert response.status_code == 302
    lea_alsh.refresh_from_db()
    tom_alsh.refresh_from_db()
    assert lea_alsh.state == S.ABSENT_BILLED
    assert tom_alsh.state == S.RESERVED
    assert_counters_match_bookings()


# ---------------------------------------------------------------------------------------------
# The waiting list of a day


def waiting_url(activity: Activity, day: date = WEDNESDAY) -> str:
    return reverse("backoffice:waiting_list", args=[activity.pk, day])


def promote_url(activity: Activity, day: date = WEDNESDAY) -> str:
    return reverse("backoffice:waiting_list_promote", args=[activity.pk, day])


@pytest.fixture
def long_queue(pending, family, other_family, school_year, wednesday_alsh) -> list[Booking]:
    """Tom, then Jules, then Nina wait for the full ALSH day."""
    queue = [pending["alsh"][2]]
    for owner, name in ((family, "Jules"), (other_family, "Nina")):
        someone = kid(owner, name)
        enrol(someone, wednesday_alsh, school_year)
        queue += ask(someone, wednesday_alsh, WEDNESDAY)
    return queue


def test_waiting_list_page_in_rank_order(agent_client, long_queue, wednesday_alsh) -> None:
    response = agent_client.get(waiting_url(wednesday_alsh))
    assert response.status_code == 200
    waiting = response.context["waiting"]
    assert [e.child_name for e in waiting.entries] == ["Tom MARTIN", "Jules DUPONT", "Nina MARTIN"]
    assert [e.rank for e in waiting.entries] == [1, 2, 3]
    assert (waiting.places.capacity, waiting.places.taken) == (2, 2)
    html = response.content.decode()
    assert "Attribuer les places libres (les plus anciens d'abord)" in html
    assert "mercredi 8 avril 2026" in html


def test_promote_with_no_free_place(agent_client, long_queue, wednesday_alsh) -> None:
    response = agent_client.post(promote_url(wednesday_alsh))
    assert response.status_code == 302 and response["Location"] == waiting_url(wednesday_alsh)
    assert messages_of(response) == [
        "Aucune place libre le mercredi 8 avril 2026 pour ALSH Mercredi après-midi : les "
        "enfants restent en liste d'attente."
    ]
    assert Booking.objects.filter(state=S.WAITING_LIST).count() == 3


def test_promote_gives_free_places_oldest_first(
    agent_client, agent, long_queue, wednesday_alsh
) -> None:
    wednesday_alsh.capacity = 4
    wednesday_alsh.save()
    response = agent_client.post(promote_url(wednesday_alsh))
    assert messages_of(response) == [
        "2 places attribuées (les plus anciens d'abord) : Tom MARTIN, Jules DUPONT."
    ]
    states = [Booking.objects.get(pk=b.pk).state for b in long_queue]
    assert states == [S.RESERVED, S.RESERVED, S.WAITING_LIST]
    assert AuditEvent.objects.filter(action="booking.promoted", actor=agent).count() == 2
    assert_counters_match_bookings()


def test_manual_promotion_out_of_order(agent_client, agent, long_queue, wednesday_alsh) -> None:
    here = waiting_url(wednesday_alsh)
    nina = long_queue[2]
    full = agent_client.post(DECIDE, {"approve_one": nina.pk, "next": here}, follow=True)
    assert full.redirect_chain == [(here, 302)]
    assert "Plus de place le mercredi 8 avril 2026" in full.content.decode()
    wednesday_alsh.capacity = 3
    wednesday_alsh.save()
    response = agent_client.post(DECIDE, {"approve_one": nina.pk, "next": here})
    assert messages_of(response) == [
        "Nina MARTIN, ALSH Mercredi après-midi, mercredi 8 avril 2026 : place attribuée "
        "depuis la liste d'attente"
    ]
    assert [Booking.objects.get(pk=b.pk).state for b in long_queue] == [
        S.WAITING_LIST,
        S.WAITING_LIST,
        S.RESERVED,
    ]
    assert_counters_match_bookings()


def test_waiting_list_of_another_scope_or_an_unknown_day(
    agent_client, early_childhood_agent, pending, wednesday_alsh
) -> None:
    creche_client = client_for(early_childhood_agent)
    assert creche_client.get(waiting_url(wednesday_alsh)).status_code == 404
    assert creche_client.post(promote_url(wednesday_alsh)).status_code == 404
    assert agent_client.get(waiting_url(wednesday_alsh, date(2030, 1, 1))).status_code == 404


# ---------------------------------------------------------------------------------------------
# Proofs


@pytest.fixture
def with_proof(pending, absence_reasons, settings, tmp_path) -> Booking:
    settings.MEDIA_ROOT = tmp_path
    booking = pending["alsh"][0]
    declare_absence(
        bookings=[booking],
        reason=absence_reasons["sick"],
        proof=SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf"),
        by=None,
        now=LATE,
    )
    booking.refresh_from_db()
    assert booking.state == S.ABSENCE_REQUESTED and booking.absence_proof
    return booking


def test_proof_is_served_to_the_agents_of_the_activity(
    agent_client, early_childhood_agent, with_proof
) -> None:
    url = reverse("backoffice:inbox_proof", args=[with_proof.pk])
    response = agent_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content) == PDF
    assert client_for(early_childhood_agent).get(url).status_code == 404


def test_request_without_proof_has_no_proof_url(agent_client, pending) -> None:
    url = reverse("backoffice:inbox_proof", args=[pending["lea_canteen"].pk])
    response = agent_client.get(url)
    assert response.status_code == 404
    assert messages_of(response) == []


# ---------------------------------------------------------------------------------------------
# Speed: the same number of queries for 1 row as for 30


def _fill(child: Child, activity: Activity, school_year: SchoolYear, count: int) -> None:
    days = list(
        CalendarDay.objects.filter(
            school_year=school_year, kind=DayKind.SCHOOL_DAY, date__gte=date(2026, 3, 30)
        )
        .order_by("date")
        .values_list("date", flat=True)
    )
    days = [d for d in days if d.weekday() in activity.weekdays][:count]
    ask(child, activity, *days)


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return len(queries)


def test_inbox_query_count_does_not_grow_with_rows(
    agent_client, family, school, school_year, staff_canteen, wednesday_alsh, absence_reasons
) -> None:
    wednesday_alsh.capacity = 0  # everyone waits
    wednesday_alsh.save()
    first = kid(family, "Alice", school)
    enrol(first, staff_canteen, school_year)
    enrol(first, wednesday_alsh, school_year)
    ask(first, staff_canteen, THURSDAY)
    ask(first, wednesday_alsh, WEDNESDAY)
    one_of_each = _queries(agent_client)
    assert one_of_each <= 8  # session, user, filter choices (2), count, rows, ranks

    second = kid(family, "Bruno", school)
    enrol(second, staff_canteen, school_year)
    enrol(second, wednesday_alsh, school_year)
    _fill(second, staff_canteen, school_year, 20)
    wednesdays = list(
        CalendarDay.objects.filter(kind=DayKind.NO_SCHOOL, date__gte=WEDNESDAY)
        .order_by("date")
        .values_list("date", flat=True)[:8]
    )
    ask(second, wednesday_alsh, *wednesdays)
    assert len(agent_client.get(INBOX).context["page"].rows) == 30
    assert _queries(agent_client) == one_of_each


def test_inbox_paginates(agent_client, family, school, school_year, staff_canteen, monkeypatch):
    first = kid(family, "Alice", school)
    enrol(first, staff_canteen, school_year)
    _fill(first, staff_canteen, school_year, 5)
    monkeypatch.setattr("bookings.queries.inbox.PER_PAGE", 2)
    response = agent_client.get(INBOX, {"kind": "requested", "page": 2})
    page = response.context["page"]
    assert (page.number, page.num_pages, page.total, len(page.rows)) == (2, 3, 5, 2)
    assert "Page 2 sur 3" in response.content.decode()
    assert "kind=requested&amp;page=3" in response.content.decode()


def test_a_request_asked_again_is_dated_by_the_new_request(
    agent_client, child, school_year, staff_canteen, parent
) -> None:
    import time_machine

    from bookings.services.decisions import cancel_request

    enrol(child, staff_canteen, school_year)
    with time_machine.travel(paris(2026, 3, 16, 9, 0), tick=False):
        [booking] = ask(child, staff_canteen, THURSDAY)
        cancel_request(booking=booking, by=parent)
    with time_machine.travel(paris(2026, 3, 20, 9, 0), tick=False):
        ask(child, staff_canteen, THURSDAY)
    [row] = agent_client.get(INBOX).context["page"].rows
    assert row.asked_at == paris(2026, 3, 20, 9, 0)


def test_waiting_list_places_of_days_gone_by_are_not_listed(
    agent, wednesday_alsh, child, school_year
):
    """A waiting-list place of a past day can no longer be given: the inbox leaves it out."""
    from bookings.models import BookingSource

    enrolment = enrol(child, wednesday_alsh, school_year)
    booking = Booking.objects.create(
        child=child,
        activity=wednesday_alsh,
        enrolment=enrolment,
        day_id=date(2026, 4, 8),
        state=BookingState.WAITING_LIST,
        source=BookingSource.FAMILY,
        waitlisted_at=paris(2026, 4, 1, 9),
    )
    with time_machine.travel(paris(2026, 4, 9, 9), tick=False):
        later = client_for(agent).get(INBOX)  # sessions expire: log in on the day
    with time_machine.travel(paris(2026, 4, 7, 9), tick=False):
        before = client_for(agent).get(INBOX)
    assert booking.pk not in {row.booking_id for row in later.context["page"].rows}
    assert booking.pk in {row.booking_id for row in before.context["page"].rows}
