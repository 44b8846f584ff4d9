"""Writes to families: a family, its guardians and children, its letter and logins.

Every function is one transaction and records an audit event (with the family) naming the
agent; bad input raises FamilyError with a French message and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import create_guardian_login, recipient_of, send_activation_email
from catalog.models import Site
from core.audit import record
from families.models import AuthorisedPerson, Child, Diet, Family, Guardian
from families.queries import fold

IDENTIFIER_LOCK = 78_322_001  # advisory lock key of the identifier sequence
IDENTIFIER_ATTEMPTS = 5
FAMILY_FIELDS = ("identifier", "name", "address_line", "postal_code", "city", "residence_insee")
GUARDIAN_FIELDS = ("first_name", "last_name", "email", "mobile_phone", "home_phone", "is_payer")

_Record = TypeVar("_Record", Family, Guardian)


class FamilyError(Exception):
    """A family write was refused; the message says why, in French, and nothing changed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        """Return the user-facing message."""
        return str(self)


@dataclass(frozen=True)
class FamilyData:
    """A family's name and address, as an agent types them."""

    name: str
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    residence_insee: str = ""


@dataclass(frozen=True)
class GuardianData:
    """A responsable légal's identity and contacts."""

    first_name: str
    last_name: str
    email: str = ""
    mobile_phone: str = ""
    home_phone: str = ""
    is_payer: bool = False


@dataclass(frozen=True)
class ChildData:
    """A child's identity, school and what staff need for meals and care."""

    first_name: str
    last_name: str
    birth_date: date
    school: Site | None = None
    class_level: str = ""
    diet: str = Diet.STANDARD
    has_pai: bool = False
    pai_notes: str = ""
    packed_meal: bool = False


@dataclass(frozen=True)
class PersonData:
    """Someone allowed to pick a child up; `pk` names an existing one to keep."""

    name: str
    relationship: str = ""
    phone: str = ""
    pk: int | None = None


# ---------------------------------------------------------------------------------------------
# Families


def next_identifier() -> str:
    """Return the next free family identifier: the commune's INSEE code, a dash, 5 digits."""
    prefix = f"{settings.MARELLE_COMMUNE_INSEE}-"
    last = Family.objects.filter(identifier__startswith=prefix).aggregate(last=Max("identifier"))[
        "last"
    ]
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    if number > 99999:
        raise FamilyError(_("Tous les identifiants famille de la commune sont attribués."))
    return f"{prefix}{number:05d}"


def create_family(*, family: FamilyData, guardian: GuardianData, by: User) -> Family:
    """Create a family with its first guardian, the payer; the identifier is the next free one."""
    values = _family_values(family)
    guardian_values = _guardian_values(guardian)
    with transaction.atomic(durable=True):
        created = _insert_with_identifier(values)
        payer = Guardian.objects.create(family=created, **{**guardian_values, "is_payer": True})
        record(
            action="family.created",
            obj=created,
            by=by,
            family=created,
            after=_family_snapshot(created),
        )
        record(
            action="guardian.created",
            obj=payer,
            by=by,
            family=created,
            after=_guardian_snapshot(payer),
        )
    return created


def _insert_with_identifier(values: dict[str, Any]) -> Family:
    # Agents creating families at once take numbers one after the other: on PostgreSQL a
    # transaction-scoped advisory lock queues them (SQLite's IMMEDIATE transactions already
    # do). The unique index stays the last guard: a clash is retried with the next number.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IDENTIFIER_LOCK])
    for _attempt in range(IDENTIFIER_ATTEMPTS):
        family = Family(identifier=next_identifier(), **values)
        try:
            with transaction.atomic():
                family.save(force_insert=True)
        except IntegrityError:
            continue
        return family
    raise FamilyError(_("Aucun identifiant famille libre n'a pu être attribué : réessayez."))


def update_family(*, family: Family, data: FamilyData, by: User) -> Family:
    """Change a family's name, address or commune of residence."""
    values = _family_values(data)
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=family.pk)
        _update_and_record(
            family, values, snapshot=_family_snapshot, action="family.updated", family=family, by=by
        )
    return family


def _update_and_record(
    obj: _Record,
    values: dict[str, Any],
    *,
    snapshot: Callable[[_Record], dict[str, Any]],
    action: str,
    family: Family,
    by: User,
) -> None:
    """Set `values` on `obj`; if its snapshot changed, save those fields and record `action`."""
    before = snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    after = snapshot(obj)
    if after != before:
        obj.save(update_fields=list(values))
        record(action=action, obj=obj, by=by, family=family, before=before, after=after)


def _family_values(data: FamilyData) -> dict[str, Any]:
    name = " ".join(data.name.split()).upper()
    if not name:
        raise FamilyError(_("Indiquez le nom de la famille."), field="name")
    return {
        "name": name,
        "address_line": data.address_line.strip(),
        "postal_code": data.postal_code.strip(),
        "city": data.city.strip(),
        "residence_insee": data.residence_insee.strip().upper(),
    }


def _family_snapshot(family: Family) -> dict[str, Any]:
    return {name: getattr(family, name) for name in FAMILY_FIELDS}


# ---------------------------------------------------------------------------------------------
# Guardians


def add_guardian(*, family: Family, data: GuardianData, by: User) -> Guardian:
    """Add a responsable légal; marked payer, they take the flag from the current payer."""
    values = _guardian_values(data)
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=family.pk)
        has_payer = family.guardians.filter(is_payer=True).exists()
        if values["is_payer"] or not has_payer:
            values["is_payer"] = True
            _take_payer_flag(family, by=by)
        guardian = Guardian.objects.create(family=family, **values)
        record(
            action="guardian.created",
            obj=guardian,
            by=by,
            family=family,
            after=_guardian_snapshot(guardian),
        )
    return guardian


def update_guardian(*, guardian: Guardian, data: GuardianData, by: User) -> Guardian:
    """Change a guardian's identity or contacts, or make them the family's payer."""
    values = _guardian_values(data)
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=guardian.family_id)
        guardian = Guardian.objects.get(pk=guardian.pk, family=family)
        if guardian.is_payer and not values["is_payer"]:
            raise FamilyError(
                _(
                    "%(name)s est le responsable payeur de la famille : pour en changer, cochez "
                    "« Payeur » sur la fiche de l'autre responsable."
                )
                % {"name": f"{guardian.first_name} {guardian.last_name}"},
                field="is_payer",
            )
        if values["is_payer"] and not guardian.is_payer:
            _take_payer_flag(family, by=by)  # the other payer: `guardian` itself is unchanged
        _update_and_record(
            guardian,
            values,
            snapshot=_guardian_snapshot,
            action="guardian.updated",
            family=family,
            by=by,
        )
    return guardian


def _take_payer_flag(family: Family, *, by: User) -> None:
    """Unmark the current payer (one payer per family, a database constraint)."""
    for previous in family.guardians.filter(is_payer=True):
        before = _guardian_snapshot(previous)
        previous.is_payer = False
        previous.save(update_fields=["is_payer"])
        record(
            action="guardian.updated",
            obj=previous,
            by=by,
            family=family,
            before=before,
            after=_guardian_snapshot(previous),
            note=_("Un autre responsable devient payeur."),
        )


def _guardian_values(data: GuardianData) -> dict[str, Any]:
    first_name = " ".join(data.first_name.split())
    last_name = " ".join(data.last_name.split()).upper()
    if not first_name:
        raise FamilyError(_("Indiquez le prénom du responsable."), field="first_name")
    if not last_name:
        raise FamilyError(_("Indiquez le nom du responsable."), field="last_name")
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": data.email.strip().lower(),
        "mobile_phone": data.mobile_phone.strip(),
        "home_phone": data.home_phone.strip(),
        "is_payer": data.is_payer,
    }


def _guardian_snapshot(guardian: Guardian) -> dict[str, Any]:
    return {name: getattr(guardian, name) for name in GUARDIAN_FIELDS}


# ---------------------------------------------------------------------------------------------
# Children


def add_child(
    *, family: Family, data: ChildData, persons: Sequence[PersonData] = (), by: User
) -> Child:
    """Add a child to a family, with the people allowed to pick it up."""
    values = _child_values(data)
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=family.pk)
        _check_not_duplicate(family, values)
        child = Child.objects.create(family=family, **values)
        _save_persons(child, persons)
        record(
            action="child.created",
            obj=child,
            by=by,
            family=family,
            after=_child_snapshot(child),
        )
    return child


def update_child(
    *, child: Child, data: ChildData, persons: Sequence[PersonData], by: User
) -> Child:
    """Change a child's record; `persons` is the full new list of authorised people."""
    values = _child_values(data)
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=child.family_id)
        child = Child.objects.select_related("school").get(pk=child.pk, family=family)
        _check_not_duplicate(family, values, exclude=child)
        before = _child_snapshot(child)
        for name, value in values.items():
            setattr(child, name, value)
        child.save(update_fields=list(values))
        _save_persons(child, persons)
        after = _child_snapshot(child)
        if after != before:
            record(
                action="child.updated",
                obj=child,
                by=by,
                family=family,
                before=before,
                after=after,
            )
    return child


def _child_values(data: ChildData) -> dict[str, Any]:
    first_name = " ".join(data.first_name.split())
    last_name = " ".join(data.last_name.split()).upper()
    if not first_name:
        raise FamilyError(_("Indiquez le prénom de l'enfant."), field="first_name")
    if not last_name:
        raise FamilyError(_("Indiquez le nom de l'enfant."), field="last_name")
    if data.diet not in Diet.values:
        raise FamilyError(_("Choisissez un régime de la liste."), field="diet")
    pai_notes = data.pai_notes.strip()
    if pai_notes and not data.has_pai:
        raise FamilyError(
            _("Des consignes PAI sont saisies : cochez « PAI / allergie » ou effacez-les."),
            field="has_pai",
        )
    return {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": data.birth_date,
        "school": data.school,
        "class_level": data.class_level,
        "diet": data.diet,
        "has_pai": data.has_pai,
        "pai_notes": pai_notes,
        "packed_meal": data.packed_meal,
    }


def _check_not_duplicate(
    family: Family, values: dict[str, Any], *, exclude: Child | None = None
) -> None:
    twins = family.children.filter(birth_date=values["birth_date"])
    if exclude is not None:
        twins = twins.exclude(pk=exclude.pk)
    wanted = fold(values["first_name"])
    for other in twins:
        if fold(other.first_name) == wanted:
            raise FamilyError(
                _(
                    "La famille %(family)s a déjà un enfant prénommé %(first_name)s, né(e) le "
                    "%(birth_date)s : ouvrez sa fiche pour la modifier au lieu d'en créer une "
                    "seconde."
                )
                % {
                    "family": family.name,
                    "first_name": other.first_name,
                    "birth_date": other.birth_date.strftime("%d/%m/%Y"),
                },
                field="first_name",
            )


def _save_persons(child: Child, persons: Sequence[PersonData]) -> None:
    """Make the child's authorised people exactly `persons` (kept by pk, others removed)."""
    existing = {p.pk: p for p in child.authorised_persons.all()}
    kept: set[int] = set()
    for person in persons:
        name = " ".join(person.name.split())
        if not name:
            continue
        values = {
            "name": name,
            "relationship": person.relationship.strip(),
            "phone": person.phone.strip(),
        }
        current = existing.get(person.pk) if person.pk is not None else None
        if current is None:
            AuthorisedPerson.objects.create(child=child, **values)
            continue
        kept.add(current.pk)
        if any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save(update_fields=list(values))
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        AuthorisedPerson.objects.filter(pk__in=removed).delete()


def _child_snapshot(child: Child) -> dict[str, Any]:
    # The PAI's wording is health data: the journal says whether it is filled and, by a short
    # fingerprint, that it changed, never what it says.
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "birth_date": child.birth_date.isoformat(),
        "school": child.school.name if child.school else None,
        "class_level": child.class_level,
        "diet": child.diet,
        "has_pai": child.has_pai,
        "pai_notes_filled": bool(child.pai_notes),
        "pai_notes_version": hashlib.sha256(child.pai_notes.encode()).hexdigest()[:8]
        if child.pai_notes
        else "",
        "packed_meal": child.packed_meal,
        "authorised_persons": [
            " ".join(
                part
                for part in (p.name, f"({p.relationship})" if p.relationship else "", p.phone)
                if part
            )
            for p in child.authorised_persons.order_by("pk")
        ],
    }


# ---------------------------------------------------------------------------------------------
# The identifier letter and the guardians' logins


LetterLogin = Literal["ready", "to_create", "unavailable"]


def _payer_without_login(family: Family) -> Guardian | None:
    return family.guardians.filter(is_payer=True, user__isnull=True).first()


def letter_login(family: Family) -> tuple[LetterLogin, bool]:
    """Whether the login the identifier letter relies on exists, and whether it can receive
    the « Mot de passe oublié » link; reads only, writes nothing.

    « ready »: a login is named after the identifier; « to_create »: none yet, and issuing the
    letter (issue_letter) will give it to the payer; « unavailable »: none, and no payer
    without a login to give it to. The flag says whether that login (or that payer) has an
    e-mail address: without one the letter's instructions lead nowhere.
    """
    user = User.objects.filter(username__iexact=family.identifier).first()
    if user is not None:
        return "ready", bool(recipient_of(user))
    payer = _payer_without_login(family)
    if payer is None:
        return "unavailable", False
    return "to_create", bool(payer.email)


def issue_letter(*, family: Family, by: User, kind: str) -> Family:
    """Record that the identifier letter was issued; give the identifier a login if none has.

    The letter tells the family to type its identifier in « Mot de passe oublié » : that
    login must exist, held by the payer (without password until they choose one).
    Only for a POST: showing the letter (GET) must not call this.
    """
    with transaction.atomic(durable=True):
        family = Family.objects.select_for_update().get(pk=family.pk)
        if not User.objects.filter(username__iexact=family.identifier).exists():
            payer = _payer_without_login(family)
            if payer is not None:
                create_guardian_login(guardian=payer, by=by)
        record(
            action="family.letter_issued",
            obj=family,
            by=by,
            family=family,
            note=kind,
        )
    return family


def send_activation(*, guardian: Guardian, by: User, request: HttpRequest | None = None) -> User:
    """Give the guardian a login if missing, then e-mail the link to choose a password.

    The link goes where `accounts.services.recipient_of` says (the login's address, else the
    guardian's); with no address at all, nothing is kept (not even a new login).
    """
    with transaction.atomic(durable=True):
        user = create_guardian_login(guardian=guardian, by=by)
        if not send_activation_email(user=user, by=by, request=request):
            raise FamilyError(_("Ajoutez une adresse e-mail ou remettez le courrier à la famille."))
    return user
