"""Odd input from a browser never gives a 500: a French message, a 404, nothing changed."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from backoffice.parsing import parse_id, within_years
from conftest import enrol, paris


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 25, "-1", "1.0", " ", "abc"])
def test_parse_id_refuses_what_is_not_a_key(value) -> None:
    assert parse_id(value) is None


def test_parse_id_reads_keys() -> None:
    assert parse_id(" 42 ") == 42


@pytest.mark.parametrize(
    "url",
    [
        reverse("backoffice:attendance") + "?jour=31/12/9999",
        reverse("backoffice:attendance") + "?jour=01/01/0001",
        reverse("backoffice:headcount") + "?jour=9999-12-31",
        "/gestion/cuisine/semaine/9999-12-31/",
        "/gestion/cuisine/semaine/0001-01-01/",
        reverse("backoffice:inbox_decide"),
    ],
)
def test_extreme_dates_and_odd_ids_are_answered(admin_client_for_all, url) -> None:
    response = admin_client_for_all.get(url)
    assert response.status_code in (400, 404, 405), response.status_code


def test_odd_ids_in_posts_are_not_found(admin_client_for_all, family, child) -> None:
    url = reverse("backoffice:inbox_decide")
    response = admin_client_for_all.post(url, {"bookings": ["²", "9" * 25], "decision": "approve"})
    assert response.status_code in (400, 404)
    create = reverse("backoffice:closure_create")
    assert admin_client_for_all.post(create, {"activity": "²"}).status_code == 404
    assert admin_client_for_all.post(create, {"site": "9" * 25}).status_code == 404


def test_on_behalf_month_far_away_falls_back(
    admin_client_for_all, family, child, canteen, school_year
) -> None:
    enrolment = enrol(child, canteen, school_year)
    traveller = time_machine.travel(paris(2026, 4, 1, 9), tick=True)
    traveller.start()
    url = reverse(
        "backoffice:booking_on_behalf", kwargs={"family_id": family.pk, "child_id": child.pk}
    )
    for month in ("0001-01", "9999-12", "99999999999999999999-1", "2026-13", "²⁰²⁶-04"):
        response = admin_client_for_all.get(url, {"inscription": enrolment.pk, "mois": month})
        assert response.status_code == 200
    assert admin_client_for_all.get(url, {"inscription": "²"}).status_code == 404
    traveller.stop()


def test_within_years() -> None:
    from datetime import date

    assert within_years(date(9999, 12, 31)) is None
    assert within_years(date(2026, 4, 2)) == date(2026, 4, 2)


@pytest.fixture
def admin_client_for_all(administrator):
    from backoffice.tests.conftest import client_for

    return client_for(administrator)
