"""The kitchen headcount: meals per school and day, per week, on screen and in CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser
from itertools import count

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.tests.conftest import client_for
from bookings.models import Booking, BookingSource, BookingState, Enrolment, Slot
from bookings.queries.headcount import day_headcount, week_headcount
from bookings.services.attendance import record_walk_in
from bookings.services.closures import close_days
from bookings.states import HOLDS_PLACE
from catalog.models import Activity, Closure, SchoolYear, Site
from conftest import paris
from families.models import Child, ClassLevel, Diet, Family

S = BookingState
DAY = date(2026, 4, 2)  # Thursday, a school day
WEDNESDAY = date(2026, 4, 1)
EASTER_MONDAY = date(2026, 4, 6)
_numbers = count(100)


def make_child(
    family: Family,
    school: Site,
    *,
    diet: str = Diet.STANDARD,
    pai: bool = False,
    packed: bool = False,
) -> Child:
    number = next(_numbers)
    return Child.objects.create(
        family=family,
        first_name=f"Enfant{number}",
        last_name=family.name,
        birth_date=date(2017, 1, 1),
        school=school,
        class_level=ClassLevel.CE1,
        diet=diet,
        has_pai=pai,
        packed_meal=packed,
    )


def book(
    child: Child,
    activity: Activity,
    day: date,
    state: str = S.RESERVED,
    source: str = BookingSource.FAMILY,
) -> Booking:
    """Store a booking as the services leave it, counter included."""
    year = SchoolYear.objects.get()
    enrolment, _created = Enrolment.objects.get_or_create(
        child=child,
        activity=activity,
        school_year=year,
        defaults={"payer": child.family.guardians.get(is_payer=True)},
    )
    if state in HOLDS_PLACE:  # keep the capacity counter true, as the services would
        slot, _created = Slot.objects.get_or_create(
            activity=activity, day_id=day, defaults={"capacity": activity.capacity}
        )
        Slot.objects.filter(pk=slot.pk).update(taken=F("taken") + 1)
    return Booking.objects.create(
        child=child,
        activity=activity,
        enrolment=enrolment,
        day_id=day,
        state=state,
        source=source,
        waitlisted_at=paris(2026, 3, 1) if state == S.WAITING_LIST else None,
    )


def second_canteen(site: Site) -> Activity:
    return Activity.objects.create(
        name="Restauration scolaire",
        category=Activity.Category.CANTEEN,
        site=site,
        unit=Activity.Unit.MEAL,
        capacity=80,
        weekdays=[0, 1, 3, 4],
        day_kinds=["school_day"],
    )


@pytest.fixture
def kitchen(family, guardian, child, sibling, canteen, school, other_site, school_year, agent):
    """Jean Moulin: 4 meals on DAY (one walk-in), one absence to confirm; Racine: 2 meals."""
    child.diet = Diet.STANDARD
    child.save()
    sibling.diet, sibling.has_pai, sibling.packed_meal = Diet.NO_PORK, True, True
    sibling.save()
    book(child, canteen, DAY)
    book(sibling, canteen, DAY)
    book(make_child(family, school, diet=Diet.VEGETARIAN), canteen, DAY)
    book(make_child(family, school, diet=Diet.NO_MEAT), canteen, DAY, S.ABSENCE_REQUESTED)
    for state in (S.CANCELLED, S.REFUSED, S.ABSENT_EXCUSED, S.ABSENT_BILLED, S.REQUESTED):
        book(make_child(family, school, diet=Diet.NO_PORK), canteen, DAY, state)
    book(make_child(family, school, pai=True), canteen, DAY, S.WAITING_LIST)
    walk_in = make_child(family, school)
    book(walk_in, canteen, date(2026, 4, 3))  # enrolled; present on DAY without booking
    record_walk_in(child=walk_in, activity=canteen, day=DAY, by=agent)
    # Another activity of the same school is not a meal.
    care = Activity.objects.create(
        name="Garderie du soir",
        category=Activity.Category.EVENING_CARE,
        site=school,
        weekdays=[0, 1, 3, 4],
        day_kinds=["school_day"],
    )
    book(child, care, DAY)
    racine = second_canteen(other_site)
    for _i in range(2):
        book(make_child(family, other_site, diet=Diet.VEGETARIAN), racine, DAY)
    return {"canteen": canteen, "racine": racine}


def figures(row) -> dict[str, object]:
    c = row.counts
    return {
        "diets": c.by_diet,
        "meals": c.meals,
        "pai": c.pai,
        "packed": c.packed,
        "to_prepare": c.to_prepare,
        "to_confirm": c.to_confirm,
    }


def test_meals_split_by_diet_pai_and_packed_meals(kitchen, agent, school, other_site) -> None:
    headcount = day_headcount(agent, DAY)
    rows = {row.site.name: row for row in headcount.rows}
    # Standard: Léa and the walk-in; no pork: Hugo; vegetarian: one. Not counted: the
    # cancelled, refused, excused, billed absences, the request and the waiting list.
    assert figures(rows[school.name]) == {
        "diets": (2, 1, 0, 1),
        "meals": 4,
        "pai": 1,
        "packed": 1,
        "to_prepare": 3,
        "to_confirm": 1,
    }
    assert figures(rows[other_site.name])["diets"] == (0, 0, 0, 2)
    assert headcount.total.meals == 6
    assert headcount.total.to_prepare == 5
    assert headcount.total.by_diet == (2, 1, 0, 3)
    # Schools in reading order: « École élémentaire » before « École Jean ».
    assert [row.site.name for row in headcount.rows] == [school.name, other_site.name]


def test_the_page_shows_the_figures_and_the_kitchen_total(kitchen, agent_client, school) -> None:
    response = agent_client.get(reverse("backoffice:headcount"), {"jour": "2026-04-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "jeudi 2 avril 2026" in html
    tables = parse_tables(html)
    head, *body = tables[0]
    assert head == [
        "École",
        "Menu standard",
        "Sans porc",
        "Sans viande",
        "Végétarien",
        "Repas réservés",
        "dont PAI",
        "Panier-repas fourni",
        "Repas à préparer",
        "Absences à confirmer",
    ]
    assert [school.name, "2", "1", "0", "1", "4", "1", "1", "3", "1"] in body
    assert body[-1] == ["Total toutes écoles", "2", "1", "0", "3", "6", "1", "1", "5", "1"]
    # Neutral diet wording only.
    for word in ("halal", "casher", "kasher", "musulman", "juif"):
        assert word not in html.lower()


def test_default_day_is_the_next_school_day(kitchen, agent_client) -> None:
    with time_machine.travel(paris(2026, 4, 1, 8, 0), tick=False):  # a Wednesday
        response = agent_client.get(reverse("backoffice:headcount"))
    assert response.context["headcount"].day == DAY
    with time_machine.travel(paris(2026, 4, 2, 8, 0), tick=False):  # the day itself
        response = agent_client.get(reverse("backoffice:headcount"))
    assert response.context["headcount"].day == DAY
    assert response.context["previous_day"] == date(2026, 3, 31)
    assert response.context["next_day"] == date(2026, 4, 3)


def test_a_wrong_day_is_refused_with_a_french_message(agent_client) -> None:
    response = agent_client.get(reverse("backoffice:headcount"), {"jour": "2026-02-31"})
    assert response.status_code == 400
    assert "Date non reconnue" in response.content.decode()


def test_closed_and_non_school_days_say_why(kitchen, agent, other_site) -> None:
    close_days(
        starts_on=DAY,
        ends_on=DAY,
        reason=Closure.Reason.STRIKE,
        site=other_site,
        by=agent,
    )
    rows = {row.site.pk: row for row in day_headcount(agent, DAY).rows}
    assert rows[other_site.pk].no_service == "Pas de restauration : grève"
    assert rows[other_site.pk].counts.meals == 0  # the closure cancelled the bookings
    assert day_headcount(agent, DAY).served

    wednesday = day_headcount(agent, WEDNESDAY)
    assert not wednesday.served
    assert wednesday.no_service == "Pas de restauration : pas d'école ce jour"
    holiday = day_headcount(agent, EASTER_MONDAY)
    assert holiday.no_service == "Pas de restauration : jour férié (Lundi de Pâques)"
    assert (
        day_headcount(agent, date(2026, 4, 20)).no_service
        == "Pas de restauration : vacances scolaires (Vacances de printemps)"
    )
    assert (
        day_headcount(agent, date(2027, 9, 6)).no_service
        == "Pas de restauration : hors année scolaire"
    )


def test_a_closed_canteen_counts_no_meal_even_with_rows_left(kitchen, agent, school) -> None:
    Closure.objects.create(
        site=school, starts_on=DAY, ends_on=DAY, reason=Closure.Reason.OUTING, note="musée"
    )
    headcount = day_headcount(agent, DAY)
    rows = {row.site.pk: row for row in headcount.rows}
    assert rows[school.pk].no_service == "Pas de restauration : sortie scolaire (musée)"
    assert rows[school.pk].counts.meals == 0
    assert headcount.total.meals == 2  # Racine only


def test_a_closed_day_shows_the_reason_on_the_page(kitchen, agent, agent_client) -> None:
    response = agent_client.get(reverse("backoffice:headcount"), {"jour": "2026-04-01"})
    assert "Pas de restauration : pas d&#x27;école ce jour" in response.content.decode()


def test_site_staff_see_only_their_schools(kitchen, animateur, school, other_site) -> None:
    response = client_for(animateur).get(reverse("backoffice:headcount"), {"jour": "2026-04-02"})
    assert response.status_code == 200
    assert [row.site for row in response.context["headcount"].rows] == [school]
    assert other_site.name not in response.content.decode()
    week = client_for(animateur).get(reverse("backoffice:headcount_week", args=[DAY]))
    assert [s.site for s in week.context["week"].schools] == [school]
    export = client_for(animateur).get(reverse("backoffice:headcount_csv", args=[DAY]))
    assert other_site.name not in export.content.decode("utf-8-sig")


def test_the_creche_agent_has_no_headcount(early_childhood_agent) -> None:
    client = client_for(early_childhood_agent)
    for url in (
        reverse("backoffice:headcount"),
        reverse("backoffice:headcount_week", args=[DAY]),
        reverse("backoffice:headcount_csv", args=[DAY]),
        reverse("backoffice:headcount_week_csv", args=[DAY]),
    ):
        assert client.get(url).status_code == 403


def test_week_runs_monday_to_friday_with_totals(kitchen, agent, school) -> None:
    canteen = kitchen["canteen"]
    tuesday = date(2026, 4, 7)
    friday = date(2026, 4, 10)
    first = Child.objects.filter(school=school).earliest("pk")
    book(first, canteen, tuesday)
    book(first, canteen, friday)
    week = week_headcount(agent, date(2026, 4, 8))  # any day of the week
    assert week.monday == EASTER_MONDAY
    assert [d.day for d in week.days] == [date(2026, 4, d) for d in range(6, 11)]
    moulin = next(s for s in week.schools if s.site == school)
    assert [d.counts.meals for d in moulin.days] == [0, 1, 0, 0, 1]
    assert moulin.days[0].no_service == "Pas de restauration : jour férié (Lundi de Pâques)"
    assert moulin.days[2].no_service == "Pas de restauration : pas d'école ce jour"
    assert moulin.total.meals == 2
    assert week.total.meals == 2
    assert week.previous_monday == date(2026, 3, 30)
    assert week.next_monday == date(2026, 4, 13)


def test_week_page_lists_each_school_and_navigates(kitchen, agent_client, school) -> None:
    response = agent_client.get(reverse("backoffice:headcount_week", args=[DAY]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "semaine du lundi 30 mars 2026 au vendredi 3 avril 2026" in html
    assert reverse("backoffice:headcount_week", args=[date(2026, 3, 23)]) in html
    assert reverse("backoffice:headcount_week", args=[date(2026, 4, 6)]) in html
    tables = parse_tables(html)
    assert len(tables) == 3  # all schools, then one per school
    all_schools = tables[0]
    assert all_schools[4] == ["jeudi 2 avril", "2", "1", "0", "3", "6", "1", "1", "5", "1"]
    assert all_schools[3][1] == "Pas de restauration : pas d'école ce jour"


def test_day_csv_has_the_screen_figures(kitchen, agent_client) -> None:
    screen = parse_tables(
        agent_client.get(reverse("backoffice:headcount"), {"jour": "2026-04-02"}).content.decode()
    )[0]
    response = agent_client.get(reverse("backoffice:headcount_csv", args=[DAY]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="effectifs-cuisine-2026-04-02.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *lines = read_csv(response.content)
    assert header[:4] == ["Date", "Jour", "École", "Menu standard"]
    assert header[-1] == "Remarque"
    by_school = {line[2]: line for line in lines}
    screen_rows = [row for row in screen[1:-1]]
    assert len(lines) == len(screen_rows) == 2
    for row in screen_rows:
        line = by_school[row[0]]
        assert line[0] == "02/04/2026"
        assert line[1] == "jeudi"
        assert line[3:12] == row[1:]


def test_week_csv_has_the_screen_figures(kitchen, agent, agent_client, other_site) -> None:
    close_days(starts_on=DAY, ends_on=DAY, reason=Closure.Reason.STRIKE, site=other_site, by=agent)
    html = agent_client.get(reverse("backoffice:headcount_week", args=[DAY])).content.decode()
    school_tables = parse_tables(html)[1:]
    response = agent_client.get(reverse("backoffice:headcount_week_csv", args=[DAY]))
    assert (
        'filename="effectifs-cuisine-semaine-2026-03-30.csv"' in (response["Content-Disposition"])
    )
    _header, *lines = read_csv(response.content)
    assert len(lines) == 2 * 5  # one line per school and day
    schools = [line[2] for line in lines]
    for table in school_tables:
        body = table[1:-1]
        school_lines = [line for line in lines if line[2] == schools[0]]
        schools = [s for s in schools if s != schools[0]]
        assert len(body) == len(school_lines) == 5
        for row, line in zip(body, school_lines, strict=True):
            if len(row) == 2:  # no service: the reason, and zeros in the file
                assert line[-1] == row[1]
                assert line[3:12] == ["0"] * 9
            else:
                assert line[3:12] == row[1:]
                assert line[-1] == ""
    strike = [line for line in lines if line[0] == "02/04/2026" and line[-1]]
    assert [line[-1] for line in strike] == ["Pas de restauration : grève"]


def test_headcount_query_count_does_not_grow(
    family, school, other_site, agent, agent_client, canteen, school_year
) -> None:
    urls = [
        (reverse("backoffice:headcount"), {"jour": "2026-04-02"}),
        (reverse("backoffice:headcount_week", args=[DAY]), {}),
        (reverse("backoffice:headcount_csv", args=[DAY]), {}),
        (reverse("backoffice:headcount_week_csv", args=[DAY]), {}),
    ]

    def queries() -> list[int]:
        found = []
        for url, params in urls:
            with CaptureQueriesContext(connection) as captured:
                assert agent_client.get(url, params).status_code == 200
            found.append(len(captured))
        return found

    book(make_child(family, school), canteen, DAY)
    small = queries()
    racine = second_canteen(other_site)
    third = Site.objects.create(name="École Les Tilleuls", kind=Site.Kind.NURSERY_SCHOOL)
    tilleuls = second_canteen(third)
    diets = list(Diet.values)
    for i in range(30):
        for activity, site in ((canteen, school), (racine, other_site), (tilleuls, third)):
            kid = make_child(family, site, diet=diets[i % 4], pai=i % 5 == 0, packed=i % 7 == 0)
            for day in (date(2026, 3, 30), date(2026, 3, 31), DAY, date(2026, 4, 3)):
                book(kid, activity, day)
    assert queries() == small
    assert max(small) <= 8


class _Tables(HTMLParser):
    """Collect the text of each table's rows (th and td cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
