"""The pointage: services (guards, idempotence, completion, audit) and the back-office pages."""

from __future__ import annotations

import html as htmllib
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from backoffice.tests.conftest import client_for
from bookings.exceptions import BookingError, CapacityFull
from bookings.models import (
    AttendanceSheet,
    Booking,
    BookingSource,
    BookingState,
    Presence,
)
from bookings.services import BookingRequest, declare_absence, request_bookings
from bookings.services.attendance import (
    complete_attendance_sheet,
    record_presence,
    record_walk_in,
)
from catalog.models import Activity, Closure, Site
from conftest import assert_counters_match_bookings, booking_of, enrol, paris
from core.models import AuditEvent
from families.models import AuthorisedPerson, Child, ClassLevel, Diet, Family

DAY = date(2026, 4, 2)  # Thursday, a school day with canteen
NOW = paris(2026, 4, 2, 11, 30)
S = BookingState


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def book(children: list[Child], activity: Activity, day: date = DAY) -> list[Booking]:
    """Reserve a day for children (well before every deadline)."""
    results = request_bookings(
        requests=[BookingRequest(child, activity, day) for child in children],
        by=None,
        now=paris(2026, 3, 1),
    )
    return [booking_of(result) for result in results]


def make_children(family: Family, school: Site, count: int, prefix: str = "Enfant") -> list[Child]:
    return [
        Child.objects.create(
            family=family,
            first_name=f"{prefix}{i:03d}",
            last_name=family.name,
            birth_date=date(2017, 1, 1),
            school=school,
            class_level=ClassLevel.CE1,
        )
        for i in range(count)
    ]


def presence_events() -> int:
    return AuditEvent.objects.filter(action="booking.presence").count()


@pytest.fixture
def booked(child, sibling, canteen, school_year) -> list[Booking]:
    """Léa (CE2) and Hugo (CP) booked for the canteen on DAY."""
    enrol(child, canteen, school_year)
    enrol(sibling, canteen, school_year)
    return book([child, sibling], canteen)


def sheet_url(activity: Activity, day: date = DAY) -> str:
    return reverse("backoffice:attendance_sheet", args=[activity.pk, day])


def mark_url(activity: Activity, day: date = DAY) -> str:
    return reverse("backoffice:attendance_mark", args=[activity.pk, day])


def walk_in_url(activity: Activity, day: date = DAY) -> str:
    return reverse("backoffice:attendance_walk_in", args=[activity.pk, day])


def complete_url(activity: Activity, day: date = DAY) -> str:
    return reverse("backoffice:attendance_complete", args=[activity.pk, day])


def text(response) -> str:
    """Return the page's HTML with entities decoded (apostrophes come escaped)."""
    return htmllib.unescape(response.content.decode())


# ---------------------------------------------------------------------------------------------
# Services


def test_marking_sets_the_value_and_a_repeated_tap_writes_nothing(booked, animateur) -> None:
    lea = booked[0]
    for _ in range(3):
        record_presence(booking=lea, presence=Presence.PRESENT, by=animateur)
    assert Booking.objects.get(pk=lea.pk).presence == Presence.PRESENT
    assert presence_events() == 1
    record_presence(booking=lea, presence=Presence.ABSENT, by=animateur)
    record_presence(booking=lea, presence=Presence.ABSENT, by=animateur)
    assert Booking.objects.get(pk=lea.pk).presence == Presence.ABSENT
    events = AuditEvent.objects.filter(action="booking.presence").order_by("pk")
    assert [e.actor for e in events] == [animateur, animateur]
    assert [e.after["presence"] for e in events] == ["present", "absent"]
    assert events.last().before["presence"] == "present"  # type: ignore[union-attr]


def test_marking_a_day_not_yet_come_is_refused(booked, animateur) -> None:
    with pytest.raises(BookingError, match="le pointage ouvre le jour même"):
        record_presence(
            booking=booked[0], presence=Presence.PRESENT, by=animateur, now=paris(2026, 4, 1, 18)
        )
    assert Booking.objects.get(pk=booked[0].pk).presence == Presence.UNKNOWN
    assert presence_events() == 0


def test_marking_a_closed_day_is_refused_with_the_reason(booked, animateur, canteen) -> None:
    # A closure recorded without going through close_days (which cancels the bookings).
    Closure.objects.create(
        activity=canteen, starts_on=DAY, ends_on=DAY, reason=Closure.Reason.STRIKE, note="Cantine"
    )
    with pytest.raises(BookingError) as refused:
        record_presence(booking=booked[0], presence=Presence.PRESENT, by=animateur)
    assert refused.value.message == (
        "Restauration scolaire est fermé le jeudi 2 avril 2026 (Grève — Cantine) : "
        "pointage impossible."
    )
    assert presence_events() == 0


def test_a_booking_without_a_place_cannot_be_marked(booked, animateur, absence_reasons) -> None:
    declare_absence(
        bookings=[booked[0]],
        reason=absence_reasons["personal"],
        by=None,
        now=paris(2026, 4, 1, 18),
    )
    assert Booking.objects.get(pk=booked[0].pk).state == S.ABSENT_BILLED
    with pytest.raises(BookingError) as refused:
        record_presence(booking=booked[0], presence=Presence.PRESENT, by=animateur)
    assert "« Absent facturé »" in refused.value.message
    assert "présent sans réservation" in refused.value.message
    assert Booking.objects.get(pk=booked[0].pk).presence == Presence.UNKNOWN


def test_walk_in_guards(child, canteen, school_year, animateur, absence_reasons) -> None:
    enrol(child, canteen, school_year)
    with pytest.raises(BookingError, match="le pointage ouvre le jour même"):
        record_walk_in(child=child, activity=canteen, day=date(2026, 4, 3), by=animateur)
    with pytest.raises(BookingError) as outside:
        record_walk_in(child=child, activity=canteen, day=date(2026, 9, 3), by=animateur)
    assert outside.value.message == (
        "Le jeudi 3 septembre 2026 est en dehors de l'année scolaire : pas de pointage."
    )
    [lea] = book([child], canteen)
    declare_absence(
        bookings=[lea], reason=absence_reasons["personal"], by=None, now=paris(2026, 4, 1, 18)
    )
    with pytest.raises(BookingError, match="annuler cette absence"):
        record_walk_in(child=child, activity=canteen, day=DAY, by=animateur)
    assert not Booking.objects.filter(source=BookingSource.WALK_IN).exists()


def test_walk_in_on_a_full_day_says_the_child_cannot_be_added(
    child, canteen, school_year, animateur
) -> None:
    enrol(child, canteen, school_year)
    canteen.capacity = 0
    canteen.save()
    with pytest.raises(CapacityFull, match="Léa ne peut pas être ajouté"):
        record_walk_in(child=child, activity=canteen, day=DAY, by=animateur)
    assert not Booking.objects.exists()


def test_completion_names_the_children_not_yet_marked(booked, animateur, canteen) -> None:
    record_presence(booking=booked[0], presence=Presence.PRESENT, by=animateur)
    with pytest.raises(BookingError) as refused:
        complete_attendance_sheet(activity=canteen, day=DAY, by=animateur)
    assert refused.value.message == (
        "Feuille non terminée : 1 enfant n'est pas encore pointé le jeudi 2 avril 2026 pour "
        "Restauration scolaire (Hugo DUPONT). Marquez-le présent ou absent, puis terminez "
        "la feuille."
    )
    assert not AttendanceSheet.objects.exists()


def test_completion_is_audited_once_and_corrections_stay_possible(
    booked, animateur, canteen
) -> None:
    record_presence(booking=booked[0], presence=Presence.PRESENT, by=animateur)
    record_presence(booking=booked[1], presence=Presence.ABSENT, by=animateur)
    sheet = complete_attendance_sheet(activity=canteen, day=DAY, by=animateur)
    again = complete_attendance_sheet(activity=canteen, day=DAY, by=animateur)
    assert again.pk == sheet.pk
    assert (sheet.completed_by, sheet.completed_at) == (animateur, NOW)
    [event] = AuditEvent.objects.filter(action="attendance.sheet_completed")
    assert event.actor == animateur
    assert event.after == {
        "activity": canteen.pk,
        "day": "2026-04-02",
        "expected": 2,
        "present": 1,
        "absent": 1,
    }
    record_presence(booking=booked[1], presence=Presence.PRESENT, by=animateur)
    correction = AuditEvent.objects.filter(action="booking.presence").first()
    assert correction is not None
    assert correction.note == "Correction après la feuille terminée."
    assert correction.actor == animateur


def test_completion_is_refused_on_a_day_without_pointage(canteen, animateur, school_year) -> None:
    with pytest.raises(BookingError, match="pointage impossible"):
        complete_attendance_sheet(activity=canteen, day=date(2026, 4, 4), by=animateur)
    with pytest.raises(BookingError, match="ouvre le jour même"):
        complete_attendance_sheet(activity=canteen, day=date(2026, 4, 3), by=animateur)
    assert not AttendanceSheet.objects.exists()


# ---------------------------------------------------------------------------------------------
# The day's sheets


def test_day_list_groups_the_sheets_by_site(
    booked, canteen, wednesday_alsh, agent, animateur
) -> None:
    record_presence(booking=booked[0], presence=Presence.PRESENT, by=animateur)
    response = client_for(agent).get(reverse("backoffice:attendance"))
    assert response.status_code == 200
    html = text(response)
    assert "Jeudi 2 avril 2026" in html
    assert "École élémentaire Jean Moulin" in html
    assert sheet_url(canteen) in html
    # The Wednesday ALSH does not run on a Thursday: not listed.
    assert "ALSH Mercredi" not in html
    [group] = response.context["overview"].sites
    [summary] = group.sheets
    assert (summary.expected, summary.present, summary.absent, summary.unmarked) == (2, 1, 0, 1)
    assert "à pointer" in html


def test_day_list_shows_completed_sheets_and_accepts_a_french_date(
    booked, canteen, agent, animateur
) -> None:
    for booking in booked:
        record_presence(booking=booking, presence=Presence.PRESENT, by=animateur)
    complete_attendance_sheet(activity=canteen, day=DAY, by=animateur)
    response = client_for(agent).get(reverse("backoffice:attendance"), {"jour": "02/04/2026"})
    assert response.status_code == 200
    assert ">terminée<" in text(response)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            "2026-04-04",
            "Le samedi 4 avril 2026 est un week-end : aucune activité, pas de pointage.",
        ),
        (
            "2026-09-03",
            "Le jeudi 3 septembre 2026 est en dehors de l'année scolaire : pas de pointage.",
        ),
        ("2026-04-06", "Le lundi 6 avril 2026 est un jour férié (Lundi de Pâques)"),
    ],
)
def test_days_without_pointage_are_explained(canteen, agent, school_year, day, message) -> None:
    response = client_for(agent).get(reverse("backoffice:attendance"), {"jour": day})
    assert response.status_code == 200
    assert message in text(response)


def test_a_closed_activity_shows_its_closure(canteen, agent, school_year) -> None:
    Closure.objects.create(
        activity=canteen, starts_on=DAY, ends_on=DAY, reason=Closure.Reason.OUTING
    )
    response = client_for(agent).get(reverse("backoffice:attendance"))
    html = text(response)
    assert ">fermée<" in html
    assert "Restauration scolaire est fermé le jeudi 2 avril 2026 (Sortie scolaire)" in html


def test_a_bad_day_is_a_400_with_a_message(canteen, agent, school_year) -> None:
    response = client_for(agent).get(reverse("backoffice:attendance"), {"jour": "31/02/2026"})
    assert response.status_code == 400
    assert "Date non reconnue : écrivez le jour sous la forme jj/mm/aaaa" in text(response)


def test_site_staff_sees_only_their_sites(
    booked, canteen, animateur, other_site, school_year
) -> None:
    elsewhere = Activity.objects.create(
        name="Cantine Racine",
        category=Activity.Category.CANTEEN,
        site=other_site,
        weekdays=[0, 1, 3, 4],
        day_kinds=["school_day"],
    )
    client = client_for(animateur)
    html = text(client.get(reverse("backoffice:attendance")))
    assert "Restauration scolaire" in html
    assert "Cantine Racine" not in html
    assert client.get(sheet_url(elsewhere)).status_code == 404
    booking = booked[0]
    response = client.post(mark_url(elsewhere), {"booking": booking.pk, "presence": "present"})
    assert response.status_code == 404
    assert client.post(walk_in_url(elsewhere), {"child": booking.child_id}).status_code == 404
    assert client.post(complete_url(elsewhere)).status_code == 404
    assert presence_events() == 0


# ---------------------------------------------------------------------------------------------
# The sheet


def test_sheet_shows_what_staff_need_per_child(
    booked, child, sibling, canteen, animateur, family
) -> None:
    child.diet = Diet.NO_PORK
    child.has_pai = True
    child.pai_notes = "Allergie arachide : trousse d'urgence dans le bureau."
    child.packed_meal = True
    child.save()
    AuthorisedPerson.objects.create(
        child=child, name="Paul DURAND", relationship="Grand-père", phone="06 12 34 56 78"
    )
    Booking.objects.filter(pk=booked[1].pk).update(state=S.ABSENCE_REQUESTED)
    response = client_for(animateur).get(sheet_url(canteen))
    assert response.status_code == 200
    html = text(response)
    rows = response.context["sheet"].rows
    # By class from the youngest: Hugo (CP) before Léa (CE2).
    assert [r.name for r in rows] == ["Hugo DUPONT", "Léa DUPONT"]
    assert "Sans porc" in html
    assert "Menu standard" in html
    assert '<span class="flag">PAI</span> Allergie arachide' in html
    assert "panier-repas" in html
    assert '<a href="tel:0612345678">06 12 34 56 78</a>' in html
    assert "Grand-père" in html
    assert "absence demandée" in html
    assert 'aria-pressed="false"' in html
    assert "Non pointé" in html


def test_sheet_lists_declared_absences_and_walk_in_choices(
    booked, canteen, school_year, animateur, absence_reasons, family, school
) -> None:
    declare_absence(
        bookings=[booked[0]], reason=absence_reasons["strike"], by=None, now=paris(2026, 3, 1)
    )
    [newcomer] = make_children(family, school, 1, prefix="Nina")
    enrol(newcomer, canteen, school_year)
    response = client_for(animateur).get(sheet_url(canteen))
    sheet = response.context["sheet"]
    assert [r.name for r in sheet.rows] == ["Hugo DUPONT"]
    # Declared before the deadline: cancelled, so Léa may be added as a walk-in.
    assert [c.label for c in sheet.candidates] == ["Léa DUPONT (CE2)", "Nina000 DUPONT (CE1)"]


def test_declared_absent_children_are_listed_for_information(
    booked, canteen, animateur, absence_reasons
) -> None:
    declare_absence(
        bookings=[booked[0]],
        reason=absence_reasons["strike"],
        by=None,
        now=paris(2026, 4, 1, 18),
    )
    response = client_for(animateur).get(sheet_url(canteen))
    [absence] = response.context["sheet"].absences
    assert (absence.name, absence.state_label, absence.reason) == (
        "Léa DUPONT",
        "Absent excusé",
        "Grève",
    )
    assert response.context["sheet"].candidates == []


def test_marking_without_javascript_redirects_to_the_row(booked, canteen, animateur) -> None:
    client = client_for(animateur)
    lea = booked[0]
    response = client.post(mark_url(canteen), {"booking": lea.pk, "presence": "present"})
    assert response.status_code == 302
    assert response["Location"] == f"{sheet_url(canteen)}#enfant-{lea.pk}"
    assert Booking.objects.get(pk=lea.pk).presence == Presence.PRESENT
    # A replayed request (flaky connection) changes nothing.
    client.post(mark_url(canteen), {"booking": lea.pk, "presence": "present"})
    assert presence_events() == 1
    page = text(client.get(sheet_url(canteen)))
    assert (
        f'id="present-{lea.pk}" class="mark-button mark-button--present" aria-pressed="true"'
        in (page)
    )
    assert "Léa DUPONT : présent." in page


def test_marking_with_htmx_swaps_the_row_and_the_counts(booked, canteen, animateur) -> None:
    lea = booked[0]
    response = client_for(animateur).post(
        mark_url(canteen), {"booking": lea.pk, "presence": "absent"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = text(response)
    assert html.startswith(f'<tr id="enfant-{lea.pk}"')
    assert f'id="absent-{lea.pk}" class="mark-button mark-button--absent" aria-pressed="true"' in (
        html
    )
    assert '<div id="sheet-counts" class="sheet-counts" hx-swap-oob="true">' in html
    assert "<dt>Absents</dt><dd>1</dd>" in html
    assert "<dt>Non pointés</dt><dd>1</dd>" in html
    assert "Léa DUPONT : absent." in html
    assert "<html" not in html


def test_marking_refusals_change_nothing(booked, canteen, animateur, child, school_year) -> None:
    client = client_for(animateur)
    lea = booked[0]
    assert client.post(mark_url(canteen), {"booking": lea.pk, "presence": "x"}).status_code == 400
    # A booking of another day is not on this sheet.
    book([child], canteen, date(2026, 4, 9))
    other_day = Booking.objects.get(child=child, day_id=date(2026, 4, 9))
    response = client.post(mark_url(canteen), {"booking": other_day.pk, "presence": "present"})
    assert response.status_code == 404
    # A day not yet come.
    response = client.post(
        mark_url(canteen, date(2026, 4, 9)),
        {"booking": other_day.pk, "presence": "present"},
        follow=True,
    )
    assert "le pointage ouvre le jour même" in text(response)
    assert presence_events() == 0


def test_a_sheet_outside_the_school_year_offers_no_marking(canteen, animateur, school_year):
    response = client_for(animateur).get(sheet_url(canteen, date(2026, 9, 3)))
    html = text(response)
    assert "Le jeudi 3 septembre 2026 est en dehors de l'année scolaire : pas de pointage." in (
        html
    )
    assert "Marquer la feuille comme terminée" not in html


def test_a_closed_sheet_shows_the_reason_and_refuses_marks(booked, canteen, animateur) -> None:
    Closure.objects.create(
        activity=canteen, starts_on=DAY, ends_on=DAY, reason=Closure.Reason.STRIKE
    )
    client = client_for(animateur)
    html = text(client.get(sheet_url(canteen)))
    assert "Restauration scolaire est fermé le jeudi 2 avril 2026 (Grève)" in html
    assert "mark-button" not in html
    response = client.post(
        mark_url(canteen), {"booking": booked[0].pk, "presence": "present"}, follow=True
    )
    assert "pointage impossible" in text(response)
    assert presence_events() == 0


def test_walk_in_through_the_sheet(booked, canteen, school_year, animateur, family, school) -> None:
    [nina] = make_children(family, school, 1, prefix="Nina")
    enrol(nina, canteen, school_year)
    client = client_for(animateur)
    response = client.post(walk_in_url(canteen), {"child": nina.pk})
    booking = Booking.objects.get(child=nina)
    assert response.status_code == 302
    assert response["Location"] == f"{sheet_url(canteen)}#enfant-{booking.pk}"
    assert (booking.state, booking.source, booking.presence) == (
        S.RESERVED,
        BookingSource.WALK_IN,
        Presence.PRESENT,
    )
    html = text(client.get(sheet_url(canteen)))
    assert "sans réservation — majoration" in html
    assert "Nina000 DUPONT est ajouté présent sans réservation" in html
    assert AuditEvent.objects.get(action="booking.walk_in").actor == animateur
    assert_counters_match_bookings()


def test_walk_in_of_a_child_not_enrolled_is_a_400(booked, canteen, animateur, other_family):
    [stranger] = make_children(other_family, canteen.site, 1, prefix="Tom")
    response = client_for(animateur).post(walk_in_url(canteen), {"child": stranger.pk})
    assert response.status_code == 400
    assert "pas inscrit à l'activité" in text(response)
    assert not Booking.objects.filter(child=stranger).exists()


def test_walk_in_on_a_full_day_is_explained(
    booked, canteen, school_year, animateur, family, school
) -> None:
    [nina] = make_children(family, school, 1, prefix="Nina")
    enrol(nina, canteen, school_year)
    canteen.capacity = 2
    canteen.save()
    response = client_for(animateur).post(walk_in_url(canteen), {"child": nina.pk}, follow=True)
    assert "Plus de place le jeudi 2 avril 2026" in text(response)
    assert not Booking.objects.filter(child=nina).exists()


def test_completing_through_the_sheet(booked, canteen, animateur) -> None:
    animateur.first_name, animateur.last_name = "Samia", "Benali"
    animateur.save()
    client = client_for(animateur)
    response = client.post(complete_url(canteen), follow=True)
    html = text(response)
    assert "Feuille non terminée : 2 enfants ne sont pas encore pointés" in html
    assert "Hugo DUPONT, Léa DUPONT" in html
    for booking in booked:
        client.post(mark_url(canteen), {"booking": booking.pk, "presence": "present"})
    response = client.post(complete_url(canteen), follow=True)
    html = text(response)
    assert "Feuille terminée par Samia Benali le jeudi 2 avril 2026 à 11h30." in html
    assert "Les corrections restent possibles" in html
    # A correction after completion is still taken, and audited.
    client.post(mark_url(canteen), {"booking": booked[0].pk, "presence": "absent"})
    assert Booking.objects.get(pk=booked[0].pk).presence == Presence.ABSENT
    assert AuditEvent.objects.filter(note="Correction après la feuille terminée.").count() == 1


# ---------------------------------------------------------------------------------------------
# Constant query counts


def _bigger_class(family: Family, school: Site, canteen: Activity, school_year, count: int):
    children = make_children(family, school, count)
    for i, kid in enumerate(children):
        enrol(kid, canteen, school_year)
        AuthorisedPerson.objects.create(child=kid, name=f"Adulte {i}", phone="0600000000")
        AuthorisedPerson.objects.create(child=kid, name=f"Voisin {i}")
    return book(children, canteen)


def _more_activities(canteen: Activity, children: list[Child], school_year) -> None:
    """Add a garderie and an étude on the canteen's school, both running on DAY, with bookings."""
    for name, category in (
        ("Garderie du soir", Activity.Category.EVENING_CARE),
        ("Étude surveillée", Activity.Category.STUDY),
    ):
        activity = Activity.objects.create(
            name=name,
            category=category,
            site=canteen.site,
            unit=Activity.Unit.SESSION,
            capacity=60,
            booking_rule=canteen.booking_rule,
            cancellation_rule=canteen.cancellation_rule,
            weekdays=[0, 1, 3, 4],
            day_kinds=["school_day"],
        )
        for kid in children:
            enrol(kid, activity, school_year)
        book(children, activity)


def _queries(client, method: str, url: str, data=None, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **extra)
        assert response.status_code in (200, 302), response.status_code
    return len(queries)


def test_pages_run_a_constant_number_of_queries(
    canteen, school_year, family, other_family, school, animateur
) -> None:
    client = client_for(animateur)
    [first] = _bigger_class(family, school, canteen, school_year, 1)
    enrol(make_children(family, school, 1, prefix="Libre")[0], canteen, school_year)
    small = {
        "sheet": _queries(client, "get", sheet_url(canteen)),
        "day": _queries(client, "get", reverse("backoffice:attendance")),
        "mark": _queries(
            client,
            "post",
            mark_url(canteen),
            {"booking": first.pk, "presence": "present"},
            HTTP_HX_REQUEST="true",
        ),
    }
    more = _bigger_class(other_family, school, canteen, school_year, 39)
    # The day list then shows three sheets instead of one: a per-activity query would show.
    _more_activities(canteen, [b.child for b in more[:5]], school_year)
    enrol(make_children(other_family, school, 5, prefix="Libre")[0], canteen, school_year)
    large = {
        "sheet": _queries(client, "get", sheet_url(canteen)),
        "day": _queries(client, "get", reverse("backoffice:attendance")),
        "mark": _queries(
            client,
            "post",
            mark_url(canteen),
            {"booking": more[0].pk, "presence": "present"},
            HTTP_HX_REQUEST="true",
        ),
    }
    assert small == large, (small, large)
    assert large["sheet"] <= 12, large
    assert len(client.get(sheet_url(canteen)).context["sheet"].rows) == 40
    overview = client.get(reverse("backoffice:attendance")).context["overview"]
    assert [len(group.sheets) for group in overview.sites] == [3]


def test_users_without_the_capability_get_403(canteen, finance, school_year) -> None:
    assert client_for(finance).get(sheet_url(canteen)).status_code == 403


def test_other_roles_scope(canteen, creche, school_year) -> None:
    creche_agent = User.objects.create_user(
        username="pe", password="x" * 12, role=User.Role.EARLY_CHILDHOOD_AGENT
    )
    client = client_for(creche_agent)
    assert client.get(sheet_url(canteen)).status_code == 404
    assert client.get(sheet_url(creche)).status_code == 200
