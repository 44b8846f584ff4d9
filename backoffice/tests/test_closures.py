"""Closures through the back-office: preview, confirm, cancel free of charge, tell the families."""

from __future__ import annotations

import html
from datetime import date
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.tests.conftest import client_for
from bookings.models import Booking, BookingState
from bookings.queries.closures import cancelled_by
from bookings.services.closures import close_days
from catalog.models import Closure
from conftest import Mailbox, assert_counters_match_bookings, paris
from core.models import AuditEvent
from notifications.models import Notification
from notifications.services import queue_closure_notifications
from notifications.tests.factories import WEDNESDAY, book, family_without_email, kid

N = Notification
LIST = reverse("backoffice:closures")
CREATE = reverse("backoffice:closure_create")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=False):
        yield


@pytest.fixture
def booked(child, sibling, other_family, wednesday_alsh, school_year, agent):
    """Léa and Hugo DUPONT and Tom MARTIN booked on the Wednesday ALSH."""
    return book([child, sibling, kid(other_family, "Tom")], wednesday_alsh, school_year, agent)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "activity": "",
        "site": "",
        "starts_on": WEDNESDAY.isoformat(),
        "ends_on": "",
        "reason": Closure.Reason.STRIKE,
        "note": "Grève des animateurs",
    }
    data.update(overrides)
    return data


def detail_url(closure: Closure) -> str:
    return reverse("backoffice:closure_detail", kwargs={"closure_id": closure.pk})


def text(response: Any) -> str:
    return html.unescape(" ".join(response.content.decode().split()))


def nothing_changed() -> None:
    assert not Closure.objects.exists()
    assert not N.objects.exists()
    assert not Booking.objects.filter(state=BookingState.CANCELLED).exists()


# ---------------------------------------------------------------------------------------------
# Creating: preview, confirm


def test_preview_counts_bookings_and_families_and_changes_nothing(
    booked, wednesday_alsh, agent_client
):
    response = agent_client.post(CREATE, form_data(activity=wednesday_alsh.pk))
    assert response.status_code == 200
    page = text(response)
    assert "Confirmer la fermeture" in page
    assert "3 réservations seront annulées sans frais, pour 2 familles." in page
    assert "mercredi 8 avril 2026" in page
    nothing_changed()


@pytest.mark.django_db(transaction=True)
def test_confirming_closes_cancels_and_mails_each_family(
    booked, wednesday_alsh, school_year, agent, agent_client, smtp: Mailbox
):
    """Real commits: the e-mails leave at the closure's commit, before the page answers."""
    bernard = family_without_email()
    book([kid(bernard, "Inès")], wednesday_alsh, school_year, agent)
    preview = agent_client.post(CREATE, form_data(activity=wednesday_alsh.pk))
    assert "1 famille n'a pas d'adresse e-mail" in text(preview)
    response = agent_client.post(CREATE, form_data(activity=wednesday_alsh.pk, confirm="1"))
    closure = Closure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(closure)
    assert (closure.activity, closure.starts_on, closure.ends_on, closure.created_by) == (
        wednesday_alsh,
        WEDNESDAY,
        WEDNESDAY,
        agent,
    )
    assert set(Booking.objects.values_list("state", flat=True)) == {BookingState.CANCELLED}
    assert_counters_match_bookings()
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "jean.dupont@example.org",
        "sophie.martin@example.org",
    ]
    assert "aucun frais ne vous sera facturé" in smtp.body(smtp.to("jean.dupont@example.org")[0])
    assert AuditEvent.objects.get(action="closure.created").actor == agent
    assert AuditEvent.objects.filter(action="notification.queued", actor=agent).count() == 3
    page = text(agent_client.get(response["Location"]))
    assert (
        "Fermeture enregistrée : 4 réservations annulées sans frais (3 familles). "
        "2 e-mails envoyés. 1 famille sans adresse e-mail est à prévenir par téléphone."
    ) in page
    assert page.count("Envoyé</span>") == 2
    assert "Sans adresse e-mail</span>" in page
    assert "06 12 34 56 78" in page  # whom to phone


def test_closing_a_site_closes_all_its_activities(
    child, canteen, school, school_year, agent, agent_client, django_capture_on_commit_callbacks
):
    book([child], canteen, school_year, agent, date(2026, 4, 13), date(2026, 4, 14))
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            CREATE,
            form_data(site=school.pk, starts_on="2026-04-13", ends_on="2026-04-14", confirm="1"),
        )
    assert response.status_code == 302
    assert Booking.objects.filter(state=BookingState.CANCELLED).count() == 2
    page = text(agent_client.get(response["Location"]))
    assert "Fermeture du site : École élémentaire Jean Moulin" in page
    assert "du lundi 13 avril 2026 au mardi 14 avril 2026" in page
    assert_counters_match_bookings()


def test_edit_goes_back_to_the_filled_form(booked, wednesday_alsh, agent_client):
    response = agent_client.post(CREATE, form_data(activity=wednesday_alsh.pk, edit="1"))
    assert response.status_code == 200
    assert 'value="Grève des animateurs"' in response.content.decode()
    assert "Voir les réservations concernées" in text(response)
    nothing_changed()


# ---------------------------------------------------------------------------------------------
# Bad input: a precise message, nothing changed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"starts_on": "2026-04-08", "ends_on": "2026-04-07"},
            "La fermeture finirait le mardi 7 avril 2026, avant son premier jour le "
            "mercredi 8 avril 2026 : corrigez la date de fin.",
        ),
        (
            {"starts_on": "2026-09-02"},
            "Le mercredi 2 septembre 2026 est en dehors de l'année scolaire (2025-2026 du "
            "lundi 1er septembre 2025 au lundi 31 août 2026) : choisissez un jour de l'année "
            "scolaire.",
        ),
        (
            {"starts_on": "2026-08-31", "ends_on": "2026-09-01"},
            "Le mardi 1er septembre 2026 est en dehors de l'année scolaire",
        ),
        ({"starts_on": ""}, "Indiquez le premier jour de la fermeture."),
        ({"reason": ""}, "Choisissez le motif de la fermeture."),
    ],
)
def test_bad_dates_are_explained(booked, wednesday_alsh, agent_client, overrides, message):
    response = agent_client.post(
        CREATE, form_data(activity=wednesday_alsh.pk, confirm="1", **overrides)
    )
    assert response.status_code == 400
    assert message in text(response)
    nothing_changed()


def test_nothing_chosen_is_explained(booked, agent_client):
    response = agent_client.post(CREATE, form_data(confirm="1"))
    assert response.status_code == 400
    assert "Choisissez l'activité à fermer, ou le site à fermer entièrement." in text(response)
    nothing_changed()


def test_both_chosen_is_explained(booked, wednesday_alsh, leisure_centre, agent_client):
    response = agent_client.post(
        CREATE, form_data(activity=wednesday_alsh.pk, site=leisure_centre.pk, confirm="1")
    )
    assert response.status_code == 400
    assert (
        "Choisissez soit l'activité « ALSH Mercredi après-midi », soit le site « Accueil de "
        "loisirs Le Bois du Fay », pas les deux"
    ) in text(response)
    nothing_changed()


def test_activity_or_site_outside_scope_is_not_found(
    booked, creche, creche_site, agent_client, early_childhood_agent, wednesday_alsh
):
    for data in (form_data(activity=creche.pk), form_data(site=creche_site.pk)):
        for step in ({}, {"confirm": "1"}):
            assert agent_client.post(CREATE, {**data, **step}).status_code == 404
    crèche_client = client_for(early_childhood_agent)
    assert crèche_client.post(CREATE, form_data(activity=wednesday_alsh.pk)).status_code == 404
    nothing_changed()


def test_a_site_shared_with_another_service_cannot_be_closed(
    booked, leisure_centre, agent_client, creche
):
    creche.site = leisure_centre  # the crèche moves into the leisure centre
    creche.save()
    response = agent_client.post(CREATE, form_data(site=leisure_centre.pk, confirm="1"))
    assert response.status_code == 404
    assert f">{leisure_centre.name}</option>" not in text(agent_client.get(CREATE))
    nothing_changed()


def test_a_shared_site_closed_by_the_administrator_stays_out_of_the_agents_view(
    booked, leisure_centre, agent_client, creche, administrator
):
    """Its detail lists the crèche's families: a school agent must not see it."""
    creche.site = leisure_centre
    creche.save()
    result = close_days(
        site=leisure_centre,
        starts_on=WEDNESDAY,
        ends_on=WEDNESDAY,
        reason=Closure.Reason.STRIKE,
        by=administrator,
    )
    detail = reverse("backoffice:closure_detail", kwargs={"closure_id": result.closure.pk})
    assert agent_client.get(detail).status_code == 404
    assert detail not in text(agent_client.get(reverse("backoffice:closures")))


# ---------------------------------------------------------------------------------------------
# List and detail


def close(activity: Any, agent: Any, day: date = WEDNESDAY, **kwargs: Any) -> Any:
    return close_days(
        activity=activity,
        starts_on=day,
        ends_on=day,
        reason=Closure.Reason.STRIKE,
        note=kwargs.pop("note", "Grève des animateurs"),
        by=agent,
        on_closed=partial(queue_closure_notifications, by=agent),
        **kwargs,
    )


def test_list_shows_upcoming_and_past_closures_of_the_scope_with_their_figures(
    booked, wednesday_alsh, creche, agent, agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # locmem backend: sent
        close(wednesday_alsh, agent)
    close(wednesday_alsh, agent, day=date(2026, 3, 25), note="Sortie")  # past, nothing booked
    close_days(activity=creche, starts_on=WEDNESDAY, ends_on=WEDNESDAY, reason="other", by=None)
    page = text(agent_client.get(LIST))
    upcoming, past = page.split("Passées")
    assert "mercredi 8 avril 2026" in upcoming and "Grève des animateurs" in upcoming
    assert '<td class="num">3</td>' in upcoming
    assert "2 envoyés" in upcoming
    assert "mercredi 25 mars 2026" in past and '<td class="num">0</td>' in past
    assert "Multi-accueil" not in page  # the crèche is another service's


def test_detail_groups_cancelled_bookings_by_family(
    booked, wednesday_alsh, agent, agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = close(wednesday_alsh, agent)
    page = text(agent_client.get(detail_url(result.closure)))
    dupont = page.index('<th scope="rowgroup" rowspan="2">DUPONT')
    martin = page.index('<th scope="rowgroup" rowspan="1">MARTIN')
    assert dupont < page.index("Hugo") < page.index("Léa") < martin < page.index("Tom")
    assert "3 réservations annulées sans frais" in page
    assert "Renvoyer" not in page  # nothing failed


def test_cancelled_by_finds_exactly_what_close_days_cancelled(
    booked, wednesday_alsh, child, canteen, school, school_year, agent
):
    book([child], canteen, school_year, agent, date(2026, 4, 9))
    first = close(wednesday_alsh, agent)
    second = close_days(
        site=school, starts_on=date(2026, 4, 9), ends_on=date(2026, 4, 9), reason="outing", by=agent
    )
    assert sorted(cancelled_by(first.closure).values_list("pk", flat=True)) == sorted(
        first.cancelled_booking_ids
    )
    assert list(cancelled_by(second.closure).values_list("pk", flat=True)) == (
        second.cancelled_booking_ids
    )


def test_detail_of_another_scope_is_not_found(creche, early_childhood_agent, agent_client):
    result = close_days(
        activity=creche, starts_on=WEDNESDAY, ends_on=WEDNESDAY, reason="other", by=None
    )
    assert agent_client.get(detail_url(result.closure)).status_code == 404
    assert client_for(early_childhood_agent).get(detail_url(result.closure)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Resending


def failed_closure(activity: Any, agent: Any, settings: Any, capture: Any = None) -> Any:
    """Close with the mail server down: every message fails."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens there
    if capture is None:  # a transactional test: sent at the real commit
        return close(activity, agent)
    with capture(execute=True):
        return close(activity, agent)


@pytest.mark.django_db(transaction=True)
def test_failed_mails_are_shown_and_resent_with_the_agent_recorded(
    booked, wednesday_alsh, agent, agent_client, settings, smtp: Mailbox
):
    port = settings.EMAIL_PORT
    result = failed_closure(wednesday_alsh, agent, settings)
    page = text(agent_client.get(detail_url(result.closure)))
    assert page.count("Échec de l'envoi</span>") == 2
    assert "Renvoyer les 2 e-mails en échec" in page
    settings.EMAIL_PORT = port  # the server is back
    jean = N.objects.get(to_address="jean.dupont@example.org")
    url = reverse("backoffice:closure_resend", kwargs={"closure_id": result.closure.pk})
    response = agent_client.post(url, {"notification": jean.pk}, follow=True)
    assert "1 e-mail renvoyé." in text(response)
    assert [str(m["To"]) for m in smtp.messages] == ["jean.dupont@example.org"]
    jean.refresh_from_db()
    assert (jean.status, jean.attempts) == (N.Status.SENT, 2)
    assert N.objects.get(to_address="sophie.martin@example.org").status == N.Status.FAILED
    event = AuditEvent.objects.get(action="notification.resent")
    assert (event.actor, event.object_id) == (agent, str(jean.pk))
    response = agent_client.post(url, follow=True)  # all the failed ones
    assert "1 e-mail renvoyé." in text(response)
    assert set(N.objects.values_list("status", flat=True)) == {N.Status.SENT}
    response = agent_client.post(url, {"notification": jean.pk}, follow=True)
    assert "n'est pas en échec (Envoyé) : rien à renvoyer." in text(response)


@pytest.mark.django_db(transaction=True)
def test_resend_still_failing_says_so(booked, wednesday_alsh, agent, agent_client, settings):
    result = failed_closure(wednesday_alsh, agent, settings)
    url = reverse("backoffice:closure_resend", kwargs={"closure_id": result.closure.pk})
    response = agent_client.post(url, follow=True)
    assert "2 e-mails n'ont toujours pas pu partir" in text(response)
    assert set(N.objects.values_list("attempts", flat=True)) == {2}


def test_resend_of_another_closures_notification_is_not_found(
    booked, wednesday_alsh, agent, agent_client, settings, django_capture_on_commit_callbacks
):
    result = failed_closure(wednesday_alsh, agent, settings, django_capture_on_commit_callbacks)
    other = close(wednesday_alsh, agent, day=date(2026, 4, 15))
    url = reverse("backoffice:closure_resend", kwargs={"closure_id": other.closure.pk})
    notification = N.objects.filter(object_id=str(result.closure.pk)).first()
    assert notification is not None
    assert agent_client.post(url, {"notification": notification.pk}).status_code == 404
    assert agent_client.get(url).status_code == 405


# ---------------------------------------------------------------------------------------------
# Constant query counts


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_runs_a_constant_number_of_queries(
    booked, wednesday_alsh, agent, agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        close(wednesday_alsh, agent)
    one = count_queries(agent_client, LIST)
    for day in (date(2026, 3, 4), date(2026, 3, 11), date(2026, 4, 15), date(2026, 5, 6)):
        with django_capture_on_commit_callbacks(execute=True):
            close(wednesday_alsh, agent, day=day)
    assert count_queries(agent_client, LIST) == one


def test_detail_runs_a_constant_number_of_queries(
    child,
    other_family,
    wednesday_alsh,
    school_year,
    agent,
    agent_client,
    django_capture_on_commit_callbacks,
):
    book([child], wednesday_alsh, school_year, agent)
    with django_capture_on_commit_callbacks(execute=True):
        small = close(wednesday_alsh, agent)
    one = count_queries(agent_client, detail_url(small.closure))
    day = date(2026, 4, 15)
    wednesday_alsh.capacity = None
    wednesday_alsh.save()
    kids = [kid(family_without_email(f"78322-0010{i}", f"NOM{i}"), f"Enfant{i}") for i in range(4)]
    book([child, *kids, kid(other_family, "Tom")], wednesday_alsh, school_year, agent, day)
    with django_capture_on_commit_callbacks(execute=True):
        big = close(wednesday_alsh, agent, day=day)
    assert len(big.families) == 6
    assert count_queries(agent_client, detail_url(big.closure)) == one


def test_two_identical_closures_keep_their_own_bookings(
    booked, wednesday_alsh, child, canteen, school, school_year, agent
):
    """Each cancelled booking points to the closure that cancelled it (Booking.closure)."""
    book([child], canteen, school_year, agent, date(2026, 4, 9))
    first = close_days(
        site=school, starts_on=date(2026, 4, 9), ends_on=date(2026, 4, 9), reason="strike", by=agent
    )
    second = close_days(
        site=school, starts_on=date(2026, 4, 9), ends_on=date(2026, 4, 9), reason="strike", by=agent
    )
    assert list(cancelled_by(first.closure).values_list("pk", flat=True)) == (
        first.cancelled_booking_ids
    )
    assert first.cancelled_booking_ids
    assert list(cancelled_by(second.closure)) == []
