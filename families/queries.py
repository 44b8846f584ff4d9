"""Reads of families for the back-office: search, a family's page, its history.

Every function runs a constant number of SQL queries whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.models import AuditEvent
from families.models import AuthorisedPerson, Child, Family, Guardian

SEARCH_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
RECENT_HISTORY = 8

# ---------------------------------------------------------------------------------------------
# Case- and accent-insensitive matching, the same in Python, SQLite and PostgreSQL

# Capitals too: under a "C" LC_CTYPE, PostgreSQL's LOWER() leaves « É » as it is.
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyy" * 2
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
_FOLD_TABLE = {ord(a): p for a, p in zip(_ACCENTED, _PLAIN, strict=True)} | {
    ord(ligature): plain for ligature, plain in _LIGATURES.items()
}


def fold(text: str | None) -> str | None:
    """Lower-case `text` and strip French accents (« Léa » and « LEA » both give « lea »)."""
    if text is None:
        return None
    return text.lower().translate(_FOLD_TABLE)


class Folded(models.Func):
    """SQL twin of `fold`: the column lower-cased, without accents."""

    arity = 1
    output_field = models.CharField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        # SQLite's LOWER() only knows ASCII: fold with Python's own function instead.
        connection.ensure_connection()
        connection.connection.create_function("MARELLE_FOLD", 1, fold, deterministic=True)
        return super().as_sql(compiler, connection, function="MARELLE_FOLD", **extra)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = f"TRANSLATE(LOWER(%(expressions)s), '{_ACCENTED}', '{_PLAIN}')"
        for ligature, plain in _LIGATURES.items():
            template = f"REPLACE({template}, '{ligature}', '{plain}')"
        return super().as_sql(compiler, connection, template=template, **extra)


def _matches(term: str, *columns: str) -> Q:
    """Return a filter: one of `columns` (annotated as folded) contains the folded term."""
    query = Q()
    for column in columns:
        query |= Q(**{f"{column}__contains": term})
    return query


def _term_filter(word: str) -> Q:
    term = fold(word) or ""
    children = (
        Child.objects.filter(family=OuterRef("pk"))
        .annotate(f_first=Folded("first_name"), f_last=Folded("last_name"))
        .filter(_matches(term, "f_first", "f_last"))
    )
    guardians = (
        Guardian.objects.filter(family=OuterRef("pk"))
        .annotate(f_email=Folded("email"), f_first=Folded("first_name"), f_last=Folded("last_name"))
        .filter(_matches(term, "f_email", "f_first", "f_last"))
    )
    return (
        Q(f_name__contains=term)
        | Q(identifier__icontains=term)
        | Q(Exists(children))
        | Q(Exists(guardians))
    )


# ---------------------------------------------------------------------------------------------
# Search


@dataclass(frozen=True)
class GuardianSummary:
    """A guardian as the search results show it."""

    name: str
    email: str
    is_payer: bool


@dataclass(frozen=True)
class ChildSummary:
    """A child as the search results show it."""

    name: str
    birth_date: date
    class_level: str


@dataclass(frozen=True)
class FamilyRow:
    """One family of the search results."""

    pk: int
    identifier: str
    name: str
    city: str
    is_resident: bool
    guardians: list[GuardianSummary]
    children: list[ChildSummary]


@dataclass(frozen=True)
class FamilySearch:
    """A page of families matching a search (the most recent ones without a search)."""

    query: str
    rows: list[FamilyRow]
    page: Page[Family]
    count: int


def _guardians_in_order() -> QuerySet[Guardian]:
    return Guardian.objects.order_by("-is_payer", "last_name", "first_name", "pk")


def search_families(query: str, *, page_number: str | int | None = 1) -> FamilySearch:
    """Find families by name, identifier, child's name or guardian's name or e-mail.

    Every word must match one of these, whatever its case and accents. Four queries.
    """
    words = query.split()
    families = Family.objects.all()
    if words:
        families = families.annotate(f_name=Folded("name"))
        for word in words:
            families = families.filter(_term_filter(word))
        families = families.order_by("name", "identifier")
    else:
        families = families.order_by("-created_at", "-pk")
    families = families.prefetch_related(
        Prefetch("guardians", queryset=_guardians_in_order()),
        Prefetch("children", queryset=Child.objects.order_by("birth_date", "pk")),
    )
    page = Paginator(families, SEARCH_PAGE_SIZE).get_page(page_number)
    rows = [
        FamilyRow(
            pk=family.pk,
            identifier=family.identifier,
            name=family.name,
            city=family.city,
            is_resident=family.is_resident,
            guardians=[
                GuardianSummary(
                    name=f"{g.first_name} {g.last_name}", email=g.email, is_payer=g.is_payer
                )
                for g in family.guardians.all()
            ],
            children=[
                ChildSummary(
                    name=f"{c.first_name} {c.last_name}",
                    birth_date=c.birth_date,
                    class_level=c.class_level,
                )
                for c in family.children.all()
            ],
        )
        for family in page.object_list
    ]
    return FamilySearch(query=" ".join(words), rows=rows, page=page, count=page.paginator.count)


# ---------------------------------------------------------------------------------------------
# History: the family's audit events in words


ACTION_LABELS: dict[str, Promise] = {
    "family.created": gettext_lazy("Famille créée"),
    "family.updated": gettext_lazy("Coordonnées de la famille modifiées"),
    "family.letter_issued": gettext_lazy("Courrier d'identifiant édité"),
    "guardian.created": gettext_lazy("Responsable ajouté"),
    "guardian.updated": gettext_lazy("Responsable modifié"),
    "child.created": gettext_lazy("Enfant ajouté"),
    "child.updated": gettext_lazy("Fiche de l'enfant modifiée"),
    "account.created": gettext_lazy("Compte de connexion créé"),
    "account.activation_link_sent": gettext_lazy("E-mail d'activation du compte envoyé"),
    "account.reset_link_sent": gettext_lazy("Lien « mot de passe oublié » envoyé"),
    "account.password_set": gettext_lazy("Mot de passe choisi"),
    "booking.requested": gettext_lazy("Réservation demandée"),
    "booking.approved": gettext_lazy("Demande acceptée"),
    "booking.refused": gettext_lazy("Demande refusée"),
    "booking.request_cancelled": gettext_lazy("Demande annulée"),
    "booking.promoted": gettext_lazy("Place libérée : sortie de la liste d'attente"),
    "booking.absence_declared": gettext_lazy("Absence déclarée"),
    "booking.leave": gettext_lazy("Congé déclaré"),
    "booking.presence": gettext_lazy("Présence pointée"),
    "booking.walk_in": gettext_lazy("Présent sans réservation"),
    "booking.closed": gettext_lazy("Annulé pour fermeture"),
    "pattern.applied": gettext_lazy("Semaine type appliquée"),
    "closure.created": gettext_lazy("Fermeture créée"),
    "enrolment.created": gettext_lazy("Inscription à une activité"),
    "enrolment.updated": gettext_lazy("Inscription modifiée"),
    "enrolment.ended": gettext_lazy("Inscription terminée"),
    "enrolment.deleted": gettext_lazy("Inscription supprimée"),
    "quotient.recorded": gettext_lazy("Quotient familial enregistré"),
    "quotient.created": gettext_lazy("Quotient familial enregistré"),
    "quotient.updated": gettext_lazy("Quotient familial modifié"),
    "quotient.closed": gettext_lazy("Quotient familial clos (remplacé)"),
    "booking.cancelled_enrolment_ended": gettext_lazy("Annulé : fin de l'inscription"),
    "notification.queued": gettext_lazy("Message préparé pour la famille"),
    "notification.resent": gettext_lazy("Message renvoyé à la famille"),
}


def action_label(action: str) -> str:
    """Return an audit action in French words; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class Change:
    """One field of an object, before and after an event."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    """One audit event of a family, in words."""

    at: datetime
    actor: str
    actor_is_family: bool
    action: str
    action_label: str
    object_label: str
    changes: list[Change]
    note: str


@dataclass(frozen=True)
class HistoryPage:
    """A page of a family's history, newest first."""

    rows: list[HistoryRow]
    page: Page[AuditEvent]


def _events(family: Family) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(family=family)
        .select_related("actor", "actor__guardian")
        .order_by("-at", "-pk")
    )


def family_history(family: Family, *, page_number: str | int | None = 1) -> HistoryPage:
    """Return a page of the family's audit events in words (a constant number of queries)."""
    page = Paginator(_events(family), HISTORY_PAGE_SIZE).get_page(page_number)
    return HistoryPage(rows=history_rows(list(page.object_list)), page=page)


def recent_history(family: Family, *, limit: int = RECENT_HISTORY) -> list[HistoryRow]:
    """Return the family's latest audit events in words."""
    return history_rows(list(_events(family)[:limit]))


def history_rows(events: list[AuditEvent]) -> list[HistoryRow]:
    """Describe audit events: who, what, on which object, what changed."""
    labels = _object_labels(events)
    return [
        HistoryRow(
            at=event.at,
            actor=_actor_label(event.actor),
            actor_is_family=event.actor is not None and event.actor.is_family,
            action=event.action,
            action_label=action_label(event.action),
            object_label=labels.get((event.object_type, event.object_id))
            or _fallback_label(event.object_type, event.object_id),
            changes=_changes(event),
            note=event.note,
        )
        for event in events
    ]


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return _("Automatique")
    name = actor.get_full_name() or actor.username
    if actor.is_family:
        guardian = getattr(actor, "guardian", None)
        if guardian is not None:
            name = f"{guardian.first_name} {guardian.last_name}"
        return _("%(name)s (famille)") % {"name": name}
    return _("%(name)s (%(role)s)") % {"name": name, "role": actor.get_role_display()}


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _fallback_label(object_type: str, object_id: str) -> str:
    model = _model_of(object_type)
    name = str(model._meta.verbose_name).capitalize() if model else object_type
    return f"{name} n° {object_id}" if object_id else name


def _describe_families(ids: list[int]) -> dict[int, str]:
    return {
        f.pk: _("Famille %(name)s") % {"name": f.name} for f in Family.objects.filter(pk__in=ids)
    }


def _describe_guardians(ids: list[int]) -> dict[int, str]:
    return {
        g.pk: _("Responsable : %(name)s") % {"name": f"{g.first_name} {g.last_name}"}
        for g in Guardian.objects.filter(pk__in=ids)
    }


def _describe_children(ids: list[int]) -> dict[int, str]:
    return {
        c.pk: _("Enfant : %(name)s") % {"name": f"{c.first_name} {c.last_name}"}
        for c in Child.objects.filter(pk__in=ids)
    }


def _describe_users(ids: list[int]) -> dict[int, str]:
    return {
        u.pk: _("Compte « %(login)s »") % {"login": u.username}
        for u in User.objects.filter(pk__in=ids)
    }


def _describe_bookings(ids: list[int]) -> dict[int, str]:
    from bookings.models import Booking

    bookings = Booking.objects.filter(pk__in=ids).select_related("child", "activity")
    return {
        b.pk: f"{b.activity.name} · {b.child.first_name} · {b.day_id:%d/%m/%Y}" for b in bookings
    }


def _describe_enrolments(ids: list[int]) -> dict[int, str]:
    from bookings.models import Enrolment

    enrolments = Enrolment.objects.filter(pk__in=ids).select_related(
        "child", "activity", "school_year"
    )
    return {
        e.pk: f"{e.activity.name} · {e.child.first_name} · {e.school_year.label}"
        for e in enrolments
    }


def _describe_patterns(ids: list[int]) -> dict[int, str]:
    from bookings.models import WeeklyPattern

    patterns = WeeklyPattern.objects.filter(pk__in=ids).select_related(
        "enrolment__child", "enrolment__activity"
    )
    return {
        p.pk: _("Semaine type : %(activity)s · %(child)s")
        % {"activity": p.enrolment.activity.name, "child": p.enrolment.child.first_name}
        for p in patterns
    }


def _describe_quotients(ids: list[int]) -> dict[int, str]:
    from families.models import FamilyQuotient

    return {q.pk: str(q) for q in FamilyQuotient.objects.filter(pk__in=ids)}


DESCRIBERS: dict[str, Callable[[list[int]], dict[int, str]]] = {
    "families.family": _describe_families,
    "families.guardian": _describe_guardians,
    "families.child": _describe_children,
    "families.familyquotient": _describe_quotients,
    "accounts.user": _describe_users,
    "bookings.booking": _describe_bookings,
    "bookings.enrolment": _describe_enrolments,
    "bookings.weeklypattern": _describe_patterns,
}


def _object_labels(events: Iterable[AuditEvent]) -> dict[tuple[str, str], str]:
    """Name the events' objects: one query per kind of object present."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type in DESCRIBERS and event.object_id.isdigit():
            wanted[event.object_type].add(int(event.object_id))
    labels: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        for pk, label in DESCRIBERS[object_type](sorted(ids)).items():
            labels[(object_type, str(pk))] = label
    return labels


def _changes(event: AuditEvent) -> list[Change]:
    before, after = event.before, event.after
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    model = _model_of(event.object_type)
    changes = []
    for key in after:
        if key in before and before[key] != after[key]:
            if _is_bare_reference(model, before[key], after[key], key):
                continue  # a row number says nothing to the reader; the note gives the context
            label, show = _field_display(model, key)
            changes.append(Change(label=label, before=show(before[key]), after=show(after[key])))
    return changes


# Fields the services record under another name than the model's.
AUDIT_FIELD_LABELS: dict[str, Promise] = {
    "pai_notes_filled": gettext_lazy("consignes PAI renseignées"),
    "pai_notes_version": gettext_lazy("consignes PAI (version, le texte n'est pas conservé)"),
    "authorised_persons": gettext_lazy("personnes autorisées à récupérer l'enfant"),
}


def _is_bare_reference(model: type[models.Model] | None, before: Any, after: Any, key: str) -> bool:
    if model is None:
        return False
    try:
        model_field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return False
    return bool(model_field.is_relation) and all(
        value is None or isinstance(value, int) for value in (before, after)
    )


def _field_display(model: type[models.Model] | None, key: str) -> tuple[str, Callable[[Any], str]]:
    if key in AUDIT_FIELD_LABELS:
        return str(AUDIT_FIELD_LABELS[key]), _plain_value
    if model is None:
        return key, _plain_value
    try:
        model_field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return key, _plain_value
    label = str(getattr(model_field, "verbose_name", key))
    choices = dict(getattr(model_field, "flatchoices", None) or [])
    if choices:
        return label, lambda value: str(choices.get(value, _plain_value(value)))
    return label, _plain_value


def _plain_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


# ---------------------------------------------------------------------------------------------
# A family's page


class LoginStatus:
    """Where a guardian's login stands."""

    NONE = "none"
    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


LOGIN_STATUS_LABELS: dict[str, Promise] = {
    LoginStatus.NONE: gettext_lazy("Pas de compte"),
    LoginStatus.INVITED: gettext_lazy("Invité, mot de passe pas encore choisi"),
    LoginStatus.ACTIVE: gettext_lazy("Compte actif"),
    LoginStatus.DISABLED: gettext_lazy("Compte désactivé"),
}


@dataclass(frozen=True)
class GuardianInfo:
    """A guardian with where its login stands."""

    guardian: Guardian
    login_status: str
    login_status_label: str
    username: str
    last_login: datetime | None
    invited_at: datetime | None


@dataclass(frozen=True)
class ChildInfo:
    """A child with the people allowed to pick it up."""

    child: Child
    authorised_persons: list[AuthorisedPerson]


@dataclass(frozen=True)
class FamilyDetail:
    """What the family's page shows (its enrolments and quotients come from elsewhere)."""

    family: Family
    guardians: list[GuardianInfo]
    children: list[ChildInfo]
    recent_history: list[HistoryRow] = field(default_factory=list)


def login_status(user: User | None) -> str:
    """Return where a guardian's login stands: none, invited, active or disabled."""
    if user is None:
        return LoginStatus.NONE
    if not user.is_active:
        return LoginStatus.DISABLED
    if not user.has_usable_password():
        return LoginStatus.INVITED
    return LoginStatus.ACTIVE


def family_detail(family: Family) -> FamilyDetail:
    """Return the family's guardians, children and latest history (a constant number of queries)."""
    guardians = list(_guardians_in_order().filter(family=family).select_related("user"))
    user_ids = [str(g.user_id) for g in guardians if g.user_id is not None]
    invited: dict[str, datetime] = {}
    if user_ids:
        for object_id, at in (
            AuditEvent.objects.filter(
                object_type="accounts.user",
                object_id__in=user_ids,
                action="account.activation_link_sent",
            )
            .order_by("at")
            .values_list("object_id", "at")
        ):
            invited[object_id] = at
    children = list(
        Child.objects.filter(family=family)
        .select_related("school")
        .prefetch_related(
            Prefetch("authorised_persons", queryset=AuthorisedPerson.objects.order_by("pk"))
        )
        .order_by("birth_date", "pk")
    )
    return FamilyDetail(
        family=family,
        guardians=[
            GuardianInfo(
                guardian=g,
                login_status=(status := login_status(g.user)),
                login_status_label=str(LOGIN_STATUS_LABELS[status]),
                username=g.user.username if g.user else "",
                last_login=g.user.last_login if g.user else None,
                invited_at=invited.get(str(g.user_id)),
            )
            for g in guardians
        ],
        children=[
            ChildInfo(child=c, authorised_persons=list(c.authorised_persons.all()))
            for c in children
        ],
        recent_history=recent_history(family),
    )
