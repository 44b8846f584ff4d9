"""Family writes: identifiers, the payer rule, children, logins and the letter, all audited."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connections, transaction

from accounts.models import User
from accounts.services import create_guardian_login
from core.models import AuditEvent
from families import services
from families.models import AuthorisedPerson, Child, Diet, Family, Guardian
from families.services import (
    ChildData,
    FamilyData,
    FamilyError,
    GuardianData,
    PersonData,
    add_child,
    add_guardian,
    create_family,
    issue_letter,
    letter_login,
    next_identifier,
    send_activation,
    update_child,
    update_family,
    update_guardian,
)

pytestmark = pytest.mark.django_db

MARTIN = FamilyData(
    name="  martin  ",
    address_line="3 allée des Ormeaux",
    postal_code="78320",
    city="Le Mesnil-Saint-Denis",
    residence_insee="78322",
)
SOPHIE = GuardianData(first_name="Sophie", last_name="Martin", email="Sophie.Martin@Example.org")


def lea(**changes: object) -> ChildData:
    values: dict[str, object] = {
        "first_name": "Léa",
        "last_name": "dupont",
        "birth_date": date(2017, 3, 2),
        "class_level": "CE2",
        "diet": Diet.VEGETARIAN,
    }
    values.update(changes)
    return ChildData(**values)  # type: ignore[arg-type]


# Identifiers --------------------------------------------------------------------------------


def test_first_family_of_the_commune_gets_number_one(agent: User) -> None:
    family = create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    assert family.identifier == "78322-00001"


def test_new_family_gets_the_next_number_upper_cased_name_and_its_payer(
    family: Family, other_family: Family, agent: User
) -> None:
    created = create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    assert created.identifier == "78322-00003"
    assert created.name == "MARTIN"
    assert created.is_resident
    [payer] = created.guardians.all()
    assert payer.is_payer
    assert payer.last_name == "MARTIN"
    assert payer.email == "sophie.martin@example.org"
    assert payer.user is None


def test_identifiers_of_another_commune_do_not_count(agent: User, settings) -> None:
    Family.objects.create(identifier="78999-00420", name="VOISIN")
    settings.MARELLE_COMMUNE_INSEE = "78322"

    assert next_identifier() == "78322-00001"


def test_family_creation_is_audited_with_the_agent(agent: User) -> None:
    family = create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    events = AuditEvent.objects.filter(family=family).order_by("pk")
    assert [e.action for e in events] == ["family.created", "guardian.created"]
    assert all(e.actor == agent for e in events)
    assert events[0].after["identifier"] == family.identifier
    assert events[0].after["name"] == "MARTIN"


def test_an_identifier_taken_meanwhile_is_retried_with_the_next_one(
    family: Family, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.next_identifier
    answers = iter(["78322-00001"])  # what a second agent had just taken

    def racing() -> str:
        return next(answers, None) or real()

    monkeypatch.setattr(services, "next_identifier", racing)

    created = create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    assert created.identifier == "78322-00002"
    assert Family.objects.count() == 2


def test_identifier_refused_every_time_changes_nothing(
    family: Family, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "next_identifier", lambda: "78322-00001")

    with pytest.raises(FamilyError, match="réessayez"):
        create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    assert Family.objects.count() == 1
    assert not AuditEvent.objects.filter(action="family.created").exists()


@pytest.mark.django_db(transaction=True)
def test_agents_creating_families_at_once_get_distinct_identifiers(agent: User) -> None:
    count = 8
    barrier = threading.Barrier(count)
    created: list[str] = []
    errors: list[BaseException] = []

    def create(number: int) -> None:
        try:
            barrier.wait()
            data = FamilyData(name=f"famille {number}", residence_insee="78322")
            guardian = GuardianData(first_name="Alex", last_name=f"famille {number}")
            created.append(create_family(family=data, guardian=guardian, by=agent).identifier)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert sorted(created) == [f"78322-{n:05d}" for n in range(1, count + 1)]


# The family ---------------------------------------------------------------------------------


def test_update_family_records_before_and_after(family: Family, agent: User) -> None:
    update_family(
        family=family,
        data=FamilyData(
            name="Dupont-Moreau",
            address_line="5 rue Neuve",
            postal_code="78114",
            city="Magny-les-Hameaux",
            residence_insee="78356",
        ),
        by=agent,
    )

    family.refresh_from_db()
    assert family.name == "DUPONT-MOREAU"
    assert not family.is_resident
    event = AuditEvent.objects.get(action="family.updated")
    assert event.family == family
    assert event.actor == agent
    assert event.before["name"] == "DUPONT"
    assert event.after["residence_insee"] == "78356"


def test_saving_an_unchanged_family_records_nothing(family: Family, agent: User) -> None:
    data = FamilyData(
        name=family.name,
        address_line=family.address_line,
        postal_code=family.postal_code,
        city=family.city,
        residence_insee=family.residence_insee,
    )

    update_family(family=family, data=data, by=agent)

    assert not AuditEvent.objects.filter(action="family.updated").exists()


def test_a_blank_family_name_is_refused(agent: User) -> None:
    with pytest.raises(FamilyError) as refused:
        create_family(family=FamilyData(name="   "), guardian=SOPHIE, by=agent)

    assert refused.value.field == "name"
    assert Family.objects.count() == 0


# Guardians and the payer rule ---------------------------------------------------------------


def test_a_family_has_one_payer_in_the_database(family: Family) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Guardian.objects.create(family=family, first_name="Paul", last_name="X", is_payer=True)


def test_new_payer_takes_the_flag_from_the_previous_one(
    family: Family, guardian: Guardian, agent: User
) -> None:
    marie = family.guardians.get(first_name="Marie")

    update_guardian(
        guardian=marie,
        data=GuardianData(first_name="Marie", last_name="DUPONT", is_payer=True),
        by=agent,
    )

    guardian.refresh_from_db()
    marie.refresh_from_db()
    assert marie.is_payer and not guardian.is_payer
    notes = AuditEvent.objects.filter(action="guardian.updated").values_list("object_id", "note")
    assert (str(guardian.pk), "Un autre responsable devient payeur.") in list(notes)


def test_the_payer_cannot_simply_stop_being_payer(
    family: Family, guardian: Guardian, agent: User
) -> None:
    with pytest.raises(FamilyError) as refused:
        update_guardian(
            guardian=guardian,
            data=GuardianData(first_name="Jean", last_name="DUPONT", is_payer=False),
            by=agent,
        )

    assert refused.value.field == "is_payer"
    assert "Jean DUPONT est le responsable payeur" in refused.value.message
    guardian.refresh_from_db()
    assert guardian.is_payer
    assert not AuditEvent.objects.filter(action="guardian.updated").exists()


def test_added_payer_replaces_the_payer(family: Family, guardian: Guardian, agent: User) -> None:
    added = add_guardian(
        family=family,
        data=GuardianData(first_name="Paul", last_name="Durand", is_payer=True),
        by=agent,
    )

    guardian.refresh_from_db()
    assert added.is_payer and not guardian.is_payer
    assert family.guardians.filter(is_payer=True).count() == 1
    assert AuditEvent.objects.filter(action="guardian.created", family=family).exists()


def test_a_family_without_payer_gets_one_with_its_next_guardian(agent: User) -> None:
    family = Family.objects.create(identifier="78322-00009", name="SEUL")

    added = add_guardian(
        family=family, data=GuardianData(first_name="Ana", last_name="Seul"), by=agent
    )

    assert added.is_payer


def test_guardian_changes_are_audited_with_before_and_after(
    guardian: Guardian, agent: User
) -> None:
    update_guardian(
        guardian=guardian,
        data=GuardianData(
            first_name="Jean",
            last_name="Dupont",
            email="jean@example.org",
            mobile_phone="06 11 22 33 44",
            is_payer=True,
        ),
        by=agent,
    )

    event = AuditEvent.objects.get(action="guardian.updated")
    assert event.before["email"] == "jean.dupont@example.org"
    assert event.after["email"] == "jean@example.org"
    assert event.family_id == guardian.family_id


# Children -----------------------------------------------------------------------------------


def test_add_child_with_the_people_allowed_to_pick_it_up(family: Family, agent: User) -> None:
    child = add_child(
        family=family,
        data=lea(),
        persons=[
            PersonData(name="Mamie Dupont", relationship="grand-mère", phone="06 00 00 00 01"),
            PersonData(name="  "),
        ],
        by=agent,
    )

    assert child.last_name == "DUPONT"
    assert [p.name for p in child.authorised_persons.all()] == ["Mamie Dupont"]
    event = AuditEvent.objects.get(action="child.created")
    assert event.after["authorised_persons"] == ["Mamie Dupont (grand-mère) 06 00 00 00 01"]
    assert event.family == family


def test_same_first_name_and_birth_date_is_a_duplicate_whatever_the_accents(
    family: Family, child: Child, agent: User
) -> None:
    with pytest.raises(FamilyError) as refused:
        add_child(family=family, data=lea(first_name="LEA"), by=agent)

    assert refused.value.message == (
        "La famille DUPONT a déjà un enfant prénommé Léa, né(e) le 02/03/2017 : ouvrez sa fiche "
        "pour la modifier au lieu d'en créer une seconde."
    )
    assert family.children.count() == 1


def test_twins_with_different_first_names_are_welcome(
    family: Family, child: Child, agent: User
) -> None:
    add_child(family=family, data=lea(first_name="Lou"), by=agent)

    assert family.children.count() == 2


def test_update_child_replaces_the_authorised_people(
    family: Family, child: Child, agent: User
) -> None:
    granny = AuthorisedPerson.objects.create(child=child, name="Mamie", relationship="grand-mère")
    AuthorisedPerson.objects.create(child=child, name="Voisin")

    update_child(
        child=child,
        data=lea(has_pai=True, pai_notes="Allergie à l'arachide : trousse au bureau."),
        persons=[
            PersonData(name="Mamie Jeanne", relationship="grand-mère", pk=granny.pk),
            PersonData(name="Tonton Paul", relationship="oncle"),
        ],
        by=agent,
    )

    names = sorted(child.authorised_persons.values_list("name", flat=True))
    assert names == ["Mamie Jeanne", "Tonton Paul"]
    assert child.authorised_persons.filter(pk=granny.pk).exists()
    child.refresh_from_db()
    assert child.has_pai and child.diet == Diet.VEGETARIAN
    event = AuditEvent.objects.get(action="child.updated")
    assert event.before["has_pai"] is False and event.after["has_pai"] is True
    # The PAI's wording is health data: the journal only says it is filled.
    assert event.after["pai_notes_filled"] is True
    assert "arachide" not in str(event.after)


def test_a_person_of_another_child_cannot_be_taken_over(
    family: Family, child: Child, sibling: Child, agent: User
) -> None:
    stranger = AuthorisedPerson.objects.create(child=sibling, name="Baby-sitter")

    update_child(
        child=child, data=lea(), persons=[PersonData(name="Intrus", pk=stranger.pk)], by=agent
    )

    stranger.refresh_from_db()
    assert stranger.child == sibling and stranger.name == "Baby-sitter"
    assert list(child.authorised_persons.values_list("name", flat=True)) == ["Intrus"]


def test_pai_notes_without_pai_are_refused(family: Family, agent: User) -> None:
    with pytest.raises(FamilyError) as refused:
        add_child(family=family, data=lea(pai_notes="Asthme"), by=agent)

    assert refused.value.field == "has_pai"
    assert not Child.objects.exists()


# Logins, activation and the letter ----------------------------------------------------------


def test_first_login_is_the_identifier_then_numbered(agent: User) -> None:
    family = create_family(family=MARTIN, guardian=SOPHIE, by=agent)
    second = add_guardian(
        family=family, data=GuardianData(first_name="Paul", last_name="Martin"), by=agent
    )

    first_user = create_guardian_login(guardian=family.guardians.get(is_payer=True), by=agent)
    second_user = create_guardian_login(guardian=second, by=agent)

    assert first_user.username == family.identifier
    assert second_user.username == f"{family.identifier}-2"
    assert not first_user.has_usable_password()
    assert first_user.role == User.Role.FAMILY
    assert create_guardian_login(guardian=second, by=agent) == second_user
    assert AuditEvent.objects.filter(action="account.created", family=family).count() == 2


def test_activation_without_email_changes_nothing(family: Family, agent: User) -> None:
    marie = family.guardians.get(first_name="Marie")

    with pytest.raises(FamilyError) as refused:
        send_activation(guardian=marie, by=agent)

    assert refused.value.message == (
        "Ajoutez une adresse e-mail ou remettez le courrier à la famille."
    )
    marie.refresh_from_db()
    assert marie.user is None
    assert not AuditEvent.objects.filter(action__startswith="account.").exists()


def test_activation_creates_the_second_guardians_login(
    family: Family,
    parent: User,
    agent: User,
    django_capture_on_commit_callbacks,
    mailoutbox,
    settings,
) -> None:
    settings.MARELLE_BASE_URL = "https://famille.example.org"
    marie = family.guardians.get(first_name="Marie")
    marie.email = "marie.dupont@example.org"
    marie.save()

    with django_capture_on_commit_callbacks(execute=True):
        user = send_activation(guardian=marie, by=agent)

    assert user.username == "78322-00001-2"
    assert [m.to for m in mailoutbox] == [["marie.dupont@example.org"]]
    assert AuditEvent.objects.filter(
        action="account.activation_link_sent", object_id=str(user.pk), actor=agent
    ).exists()


def test_letter_gives_the_payer_the_identifier_login_once(agent: User) -> None:
    family = create_family(family=MARTIN, guardian=SOPHIE, by=agent)

    issue_letter(family=family, by=agent, kind="PDF")
    issue_letter(family=family, by=agent, kind="page imprimable")

    payer = family.guardians.get(is_payer=True)
    assert payer.user is not None and payer.user.username == family.identifier
    assert User.objects.filter(role=User.Role.FAMILY).count() == 1
    notes = AuditEvent.objects.filter(action="family.letter_issued", family=family)
    assert sorted(notes.values_list("note", flat=True)) == ["PDF", "page imprimable"]


def test_letter_login_tells_what_issuing_would_do_and_writes_nothing(
    agent: User, family: Family, parent: User
) -> None:
    martin = create_family(family=MARTIN, guardian=SOPHIE, by=agent)
    before = (AuditEvent.objects.count(), User.objects.count())

    assert letter_login(family) == ("ready", True)
    assert letter_login(martin) == ("to_create", True)
    parent.username = "dupont-jean"
    parent.save(update_fields=["username"])
    assert letter_login(family) == ("unavailable", False)
    assert (AuditEvent.objects.count(), User.objects.count()) == before

    issue_letter(family=martin, by=agent, kind="PDF")
    assert letter_login(martin) == ("ready", True)


def test_letter_keeps_an_existing_identifier_login(
    family: Family, parent: User, agent: User
) -> None:
    issue_letter(family=family, by=agent, kind="PDF")

    assert User.objects.filter(role=User.Role.FAMILY).count() == 1
    assert not AuditEvent.objects.filter(action="account.created").exists()


def test_changing_only_the_pai_wording_or_a_phone_is_audited(child: Child, agent: User) -> None:
    """Health and safety data changes leave a trace, without the PAI's wording itself."""
    from core.models import AuditEvent
    from families.models import AuthorisedPerson

    person = AuthorisedPerson.objects.create(child=child, name="Paul DURAND", phone="0612345678")
    allergy = "Allergie à l'arachide"
    update_child(
        child=child,
        data=lea(has_pai=True, pai_notes=allergy),
        persons=[PersonData(name="Paul DURAND", phone="0612345678", pk=person.pk)],
        by=agent,
    )
    before = AuditEvent.objects.count()
    update_child(
        child=child,
        data=lea(has_pai=True, pai_notes=allergy + " et au kiwi"),
        persons=[PersonData(name="Paul DURAND", phone="0612345678", pk=person.pk)],
        by=agent,
    )
    update_child(
        child=child,
        data=lea(has_pai=True, pai_notes=allergy + " et au kiwi"),
        persons=[PersonData(name="Paul DURAND", phone="0700000000", pk=person.pk)],
        by=agent,
    )
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert len(events) == 2
    assert all("kiwi" not in str(e.before) + str(e.after) for e in events)
    assert all(e.before != e.after for e in events)
