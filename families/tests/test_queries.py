"""Family reads: search whatever the case and accents, the family page, the history in words."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bookings.services import BookingRequest, request_bookings
from conftest import enrol, paris
from core.audit import record
from families.models import Child, Family, Guardian
from families.queries import (
    LoginStatus,
    action_label,
    family_detail,
    family_history,
    fold,
    search_families,
)
from families.services import FamilyData, GuardianData, create_family, update_family

pytestmark = pytest.mark.django_db


def names(query: str) -> list[str]:
    return [row.identifier for row in search_families(query).rows]


def make_families(count: int) -> list[Family]:
    families = Family.objects.bulk_create(
        Family(identifier=f"78322-{n:05d}", name=f"NOM{n}", residence_insee="78322")
        for n in range(100, 100 + count)
    )
    Guardian.objects.bulk_create(
        Guardian(family=f, first_name="Alex", last_name=f.name, email=f"a{f.pk}@example.org")
        for f in families
    )
    Child.objects.bulk_create(
        Child(family=f, first_name="Émile", last_name=f.name, birth_date=date(2018, 1, 1))
        for f in families
    )
    return families


def test_fold_lowers_and_strips_french_accents() -> None:
    assert fold("Léa ÉLOÏSE Françoise Cœur") == "lea eloise francoise coeur"


@pytest.mark.parametrize(
    "query",
    ["dupont", "DUPONT", "Dupont", "78322-00001", "00001", "lea", "LÉA", "Léa", "hugo"],
)
def test_search_by_family_identifier_or_child_whatever_the_case_and_accents(
    family: Family, other_family: Family, child: Child, sibling: Child, query: str
) -> None:
    assert names(query) == ["78322-00001"]


def test_search_by_guardian_email_in_any_case(family: Family, other_family: Family) -> None:
    assert names("Sophie.Martin@EXAMPLE.org") == ["78322-00002"]
    assert names("example.org") == ["78322-00001", "78322-00002"]


def test_accented_names_are_found_without_accents(agent: User) -> None:
    create_family(
        family=FamilyData(name="Lefèvre", residence_insee="78322"),
        guardian=GuardianData(first_name="Zoé", last_name="Lefèvre"),
        by=agent,
    )

    assert names("lefevre") == ["78322-00001"]
    assert names("LEFÈVRE zoe") == ["78322-00001"]


def test_every_word_must_match(family: Family, other_family: Family, child: Child) -> None:
    assert names("dupont léa") == ["78322-00001"]
    assert names("martin léa") == []


def test_percent_and_underscore_are_searched_literally(family: Family) -> None:
    assert names("%") == []
    assert names("_") == []


def test_empty_search_shows_the_most_recent_families_first(
    family: Family, other_family: Family
) -> None:
    result = search_families("")

    assert [row.name for row in result.rows] == ["MARTIN", "DUPONT"]
    assert result.count == 2


def test_results_carry_guardians_payer_first_and_children(
    family: Family, child: Child, sibling: Child
) -> None:
    [row] = search_families("dupont").rows

    assert [(g.name, g.is_payer) for g in row.guardians] == [
        ("Jean DUPONT", True),
        ("Marie DUPONT", False),
    ]
    assert [c.name for c in row.children] == ["Léa DUPONT", "Hugo DUPONT"]
    assert row.is_resident


@pytest.mark.parametrize("query", ["", "emile", "alex nom"])
def test_search_runs_the_same_queries_for_one_or_thirty_families(query: str) -> None:
    make_families(1)
    with CaptureQueriesContext(connection) as one:
        assert len(search_families(query).rows) == 1
    Family.objects.all().delete()
    make_families(30)
    with CaptureQueriesContext(connection) as thirty:
        assert len(search_families(query).rows) == 25
    assert len(one) == len(thirty) <= 4


# History ------------------------------------------------------------------------------------


def test_action_codes_read_in_french_and_unknown_ones_stay_raw() -> None:
    assert action_label("booking.approved") == "Demande acceptée"
    assert action_label("booking.closed") == "Annulé pour fermeture"
    assert action_label("family.updated") == "Coordonnées de la famille modifiées"
    assert action_label("robot.did_something") == "robot.did_something"


def test_history_names_who_did_what_on_which_object(
    family: Family, child: Child, canteen, school_year, parent: User, agent: User
) -> None:
    enrol(child, canteen, school_year)
    request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 4, 14))],
        by=parent,
        now=paris(2026, 4, 1, 9, 0),
    )
    update_family(
        family=family,
        data=FamilyData(name="DUPONT", city="Coignières", residence_insee="78168"),
        by=agent,
    )
    record(action="robot.did_something", obj=family, by=None, family=family, note="essai")

    rows = family_history(family).rows

    robot, updated, requested = rows[0], rows[1], rows[2]
    assert robot.action_label == "robot.did_something"
    assert robot.actor == "Automatique"
    assert robot.note == "essai"
    assert updated.action_label == "Coordonnées de la famille modifiées"
    assert updated.actor == "agent (Agent du service Éducation)"
    assert updated.object_label == "Famille DUPONT"
    changes = {c.label: (c.before, c.after) for c in updated.changes}
    assert changes["commune"] == ("Le Mesnil-Saint-Denis", "Coignières")
    assert changes["code INSEE de la commune de résidence"] == ("78322", "78168")
    assert requested.action_label == "Réservation demandée"
    assert requested.actor == "Jean DUPONT (famille)"
    assert requested.actor_is_family
    assert requested.object_label == "Restauration scolaire · Léa · 14/04/2026"


def test_history_of_deleted_objects_still_reads(family: Family, agent: User) -> None:
    kid = Child.objects.create(
        family=family, first_name="Temp", last_name="DUPONT", birth_date=date(2020, 1, 1)
    )
    record(action="child.created", obj=kid, by=agent, family=family)
    kid_pk = kid.pk
    kid.delete()

    [row] = family_history(family).rows

    assert row.object_label == f"Enfant n° {kid_pk}"


def test_history_runs_the_same_queries_for_one_or_thirty_events(
    family: Family, child: Child, agent: User, parent: User
) -> None:
    def events(count: int) -> None:
        for n in range(count):
            record(
                action="child.updated",
                obj=child,
                by=agent if n % 2 else parent,
                family=family,
                before={"diet": "standard"},
                after={"diet": "vegetarian"},
            )
            record(action="family.updated", obj=family, by=agent, family=family)

    events(1)
    with CaptureQueriesContext(connection) as one:
        assert len(family_history(family).rows) == 2
    events(29)
    with CaptureQueriesContext(connection) as thirty:
        assert len(family_history(family).rows) == 50
    assert len(one) == len(thirty)


def test_booking_decisions_show_the_state_change_in_words(
    family: Family, child: Child, canteen, school_year, parent: User, agent: User
) -> None:
    from bookings.models import Booking
    from bookings.services.decisions import approve_request

    enrol(child, canteen, school_year)
    canteen.validation_mode = "staff"
    canteen.save()
    request_bookings(
        requests=[BookingRequest(child, canteen, date(2026, 4, 14))],
        by=parent,
        now=paris(2026, 4, 1, 9, 0),
    )
    approve_request(booking=Booking.objects.get(), by=agent, now=paris(2026, 4, 2, 9, 0))

    approved = family_history(family).rows[0]

    assert approved.action_label == "Demande acceptée"
    assert [(c.before, c.after) for c in approved.changes] == [("Demande en attente", "Réservé")]


def test_bare_row_numbers_are_not_shown_as_changes(
    family: Family, child: Child, agent: User
) -> None:
    record(
        action="child.updated",
        obj=child,
        by=agent,
        family=family,
        before={"school": 3, "first_name": "Léa"},
        after={"school": 4, "first_name": "Léa"},
    )

    assert family_history(family).rows[0].changes == []


def test_choice_fields_show_their_labels_in_changes(
    family: Family, child: Child, agent: User
) -> None:
    record(
        action="child.updated",
        obj=child,
        by=agent,
        family=family,
        before={"diet": "standard", "has_pai": False},
        after={"diet": "no_pork", "has_pai": True},
    )

    [row] = family_history(family).rows

    assert [(c.label, c.before, c.after) for c in row.changes] == [
        ("régime", "Menu standard", "Sans porc"),
        ("PAI / allergie", "non", "oui"),
    ]


# The family's page --------------------------------------------------------------------------


def test_guardians_show_where_their_login_stands(
    family: Family, guardian: Guardian, parent: User, agent: User
) -> None:
    marie = family.guardians.get(first_name="Marie")
    parent.last_login = paris(2026, 3, 30, 8, 15)
    parent.save()

    detail = family_detail(family)

    statuses = {info.guardian.pk: info for info in detail.guardians}
    assert statuses[guardian.pk].login_status == LoginStatus.ACTIVE
    assert statuses[guardian.pk].last_login == paris(2026, 3, 30, 8, 15)
    assert statuses[guardian.pk].username == "78322-00001"
    assert statuses[marie.pk].login_status == LoginStatus.NONE
    parent.set_unusable_password()
    parent.save()
    record(action="account.activation_link_sent", obj=parent, by=agent, family=family)
    invited = family_detail(family).guardians[0]
    assert invited.login_status == LoginStatus.INVITED
    assert invited.login_status_label == "Invité, mot de passe pas encore choisi"
    assert invited.invited_at is not None
