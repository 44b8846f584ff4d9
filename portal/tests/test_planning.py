"""The family's pages: home, the month grid, actions on cells, weekly pattern, proofs."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.models import Booking, BookingState
from bookings.services import BookingRequest, request_bookings
from conftest import booking_of, enrol, paris
from families.models import Child

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(paris(2026, 4, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def logged_in(client, parent):
    client.force_login(parent)
    return client


def planning_url(child, year=2026, month=4):
    return reverse("portal:planning", args=[child.pk, year, month])


def action_url(child, year=2026, month=4):
    return reverse("portal:planning_action", args=[child.pk, year, month])


def test_home_lists_children_and_next_days(logged_in, child, enrolled, parent):
    request_bookings(
        requests=[BookingRequest(child, enrolled.activity, date(2026, 4, 14))], by=parent
    )
    response = logged_in.get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Famille DUPONT" in html
    assert "Léa DUPONT" in html
    assert "mardi 14 avril 2026 — Restauration scolaire : Réservé" in html


def test_planning_grid_is_a_real_table_with_headers(logged_in, child, enrolled, canteen, school):
    response = logged_in.get(planning_url(child))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<caption id="grid-caption">Planning de Léa — avril 2026</caption>' in html
    assert '<th scope="row" class="grid__activity">Restauration scolaire</th>' in html
    assert f'<th scope="rowgroup" colspan="32">{school.name}</th>' in html
    assert 'abbr="mardi 14 avril 2026"' in html
    assert "DUPONT JEAN" in html  # the paying guardian column
    # Each cell has an accessible name: child, activity, date, status.
    assert "Léa, Restauration scolaire, mardi 14 avril 2026 : Non réservé" in html
    # A locked day says why (Easter Monday).
    assert "Jour férié (Lundi de Pâques)." in html


def test_reserve_selected_days_reports_each_day(logged_in, child, enrolled, canteen):
    cells = [f"{canteen.pk}:2026-04-14", f"{canteen.pk}:2026-04-16"]
    response = logged_in.post(action_url(child), {"action": "reserve", "cells": cells}, follow=True)
    html = response.content.decode()
    assert "Réservé le mardi 14 avril 2026 pour Restauration scolaire." in html
    assert "Réservé le jeudi 16 avril 2026 pour Restauration scolaire." in html
    assert Booking.objects.filter(child=child, state=BookingState.RESERVED).count() == 2


def test_late_day_is_locked_and_a_late_post_gets_the_rule_message(
    logged_in, child, enrolled, canteen
):
    response = logged_in.get(planning_url(child))
    assert "Délai dépassé depuis le" in response.content.decode()
    response = logged_in.post(
        action_url(child),
        {"action": "reserve", "cells": [f"{canteen.pk}:2026-04-02"]},
        follow=True,
    )
    assert (
        "Réservation impossible pour Léa le jeudi 2 avril 2026 pour Restauration scolaire : "
        "le délai est dépassé depuis le lundi 30 mars à 12h00."
    ) in response.content.decode()
    assert not Booking.objects.exists()


def test_unknown_cell_is_refused(logged_in, child, enrolled, wednesday_alsh):
    response = logged_in.post(
        action_url(child), {"action": "reserve", "cells": [f"{wednesday_alsh.pk}:2026-04-15"]}
    )
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_declare_absence_with_proof(
    logged_in, child, enrolled, canteen, parent, absence_reasons, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    request_bookings(requests=[BookingRequest(child, canteen, date(2026, 4, 14))], by=parent)
    proof = SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf")
    response = logged_in.post(
        action_url(child),
        {
            "action": "absence",
            "cells": [f"{canteen.pk}:2026-04-14"],
            "reason": absence_reasons["sick"].pk,
            "note": "Fièvre",
            "proof": proof,
        },
        follow=True,
    )
    assert "annulé dans les délais" in response.content.decode()
    booking = Booking.objects.get(child=child)
    assert booking.state == BookingState.CANCELLED
    proof_response = logged_in.get(reverse("portal:proof", args=[booking.pk]))
    assert proof_response.status_code == 200
    assert b"".join(proof_response.streaming_content) == PDF


def test_absence_needs_a_reason(logged_in, child, enrolled, canteen, parent):
    request_bookings(requests=[BookingRequest(child, canteen, date(2026, 4, 14))], by=parent)
    response = logged_in.post(
        action_url(child), {"action": "absence", "cells": [f"{canteen.pk}:2026-04-14"]}
    )
    assert response.status_code == 400
    assert "Choisissez le motif de l&#x27;absence." in response.content.decode()


def test_cancel_pending_request(logged_in, toddler, creche, creche_enrolment, parent):
    request_bookings(requests=[BookingRequest(toddler, creche, date(2026, 4, 14))], by=parent)
    response = logged_in.post(
        action_url(toddler),
        {"action": "cancel", "cells": [f"{creche.pk}:2026-04-14"]},
        follow=True,
    )
    assert "Demande annulée le mardi 14 avril 2026 pour Multi-accueil." in response.content.decode()
    assert Booking.objects.get(child=toddler).state == BookingState.CANCELLED


def test_weekly_pattern_for_two_children(logged_in, child, sibling, canteen, school_year):
    enrol(child, canteen, school_year)
    enrol(sibling, canteen, school_year)
    enrolments = [str(e.pk) for e in child.enrolments.all()] + [
        str(e.pk) for e in sibling.enrolments.all()
    ]
    response = logged_in.post(
        reverse("portal:weekly_pattern"),
        {
            "enrolments": enrolments,
            "weekdays": [0, 3],
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-31",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Léa — Restauration scolaire" in html and "Hugo — Restauration scolaire" in html
    # May 2026 Mondays/Thursdays with school: 4, 7, 11, 18, 21, 28 (14 Ascension, 25 Pentecôte).
    assert Booking.objects.filter(child=child, state=BookingState.RESERVED).count() == 6
    assert Booking.objects.filter(child=sibling, state=BookingState.RESERVED).count() == 6


def test_weekly_pattern_needs_days(logged_in, child, enrolled):
    response = logged_in.post(
        reverse("portal:weekly_pattern"),
        {"enrolments": [str(enrolled.pk)], "starts_on": "2026-05-01"},
    )
    assert response.status_code == 400
    assert "Cochez au moins un jour de la semaine." in response.content.decode()


def test_help_words_each_activity_deadline(logged_in, canteen):
    html = logged_in.get(reverse("portal:help")).content.decode()
    assert "Restauration scolaire" in html
    assert "12h00" in html


def test_planning_query_count_is_constant(
    logged_in,
    child,
    sibling,
    canteen,
    wednesday_alsh,
    creche,
    school_year,
    parent,
    django_assert_max_num_queries,
):
    for activity in (canteen, wednesday_alsh):
        enrol(child, activity, school_year)
    request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 4, d)) for d in (14, 16, 17, 27, 28)],
        by=parent,
    )
    with django_assert_max_num_queries(16):
        assert logged_in.get(planning_url(child)).status_code == 200
    with django_assert_max_num_queries(16):
        assert logged_in.get(planning_url(child, month=5)).status_code == 200


def test_security_headers(logged_in, child, enrolled):
    response = logged_in.get(planning_url(child))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_csrf_is_enforced_on_actions(parent, child, enrolled, canteen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    response = client.post(
        action_url(child), {"action": "reserve", "cells": [f"{canteen.pk}:2026-04-14"]}
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_anonymous_is_sent_to_login(client, child):
    response = client.get(planning_url(child))
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_every_family_url_with_another_familys_ids_is_404(
    client, other_family, child, enrolled, canteen, parent, absence_reasons, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    [result] = request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 4, 14))], by=parent
    )
    from bookings.services import declare_absence

    proof = SimpleUploadedFile("c.pdf", PDF, content_type="application/pdf")
    declare_absence(
        bookings=[booking_of(result)],
        reason=absence_reasons["sick"],
        proof=proof,
        by=parent,
    )
    intruder = other_family.guardians.get().user
    client.force_login(intruder)
    booking = booking_of(result)
    gets = [
        reverse("portal:planning_today", args=[child.pk]),
        planning_url(child),
        reverse("portal:proof", args=[booking.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    response = client.post(
        action_url(child), {"action": "cancel", "cells": [f"{canteen.pk}:2026-04-14"]}
    )
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).state == BookingState.CANCELLED


def test_staff_have_no_family_pages(client, agent, child):
    client.force_login(agent)
    # The portal's home sends agents to the back-office; family pages do not exist for them.
    assert client.get(reverse("portal:home"))["Location"] == reverse("backoffice:dashboard")
    assert client.get(planning_url(child)).status_code == 404


def test_sibling_of_same_family_is_reachable(logged_in, family, school):
    other = Child.objects.create(
        family=family,
        first_name="Max",
        last_name="DUPONT",
        birth_date=date(2018, 1, 1),
        school=school,
    )
    assert logged_in.get(planning_url(other)).status_code == 200


def test_sweep_every_portal_url_with_another_familys_ids(
    client, other_family, child, enrolled, canteen, parent, settings, tmp_path, absence_reasons
):
    """Every portal URL that takes an id answers 404 to another family, GET and POST."""
    from django.urls import URLPattern

    from bookings.services import declare_absence
    from portal.urls import urlpatterns

    settings.MEDIA_ROOT = tmp_path
    [result] = request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 4, 14))], by=parent
    )
    declare_absence(
        bookings=[booking_of(result)],
        reason=absence_reasons["sick"],
        proof=SimpleUploadedFile("c.pdf", PDF, content_type="application/pdf"),
        by=parent,
    )
    values = {"child_id": child.pk, "booking_id": result.booking_id, "year": 2026, "month": 4}
    client.force_login(other_family.guardians.get().user)
    swept = 0
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = list(pattern.pattern.converters)
        if not names or not {"child_id", "booking_id"} & set(names):
            continue
        url = reverse(f"portal:{pattern.name}", kwargs={n: values[n] for n in names})
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in {404, 405}, (url, method, response.status_code)
            if response.status_code == 404:
                swept += 1
    assert swept >= 4
    assert booking_of(result).state == BookingState.CANCELLED


def test_second_guardian_has_own_login_to_the_same_family(client, family, child, enrolled):
    from accounts.models import User

    marie = family.guardians.get(first_name="Marie")
    marie.user = User.objects.create_user(username="marie.dupont", password="x" * 12)
    marie.save()
    client.force_login(marie.user)
    assert client.get(planning_url(child)).status_code == 200
