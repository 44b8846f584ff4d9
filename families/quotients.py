"""Quotients familiaux: record one from the family's attestation, read current and past ones.

A new QF closes the one in force the day before it starts, so periods never overlap and
billing always finds at most one QF per day (business-rules.md: never retroactive unless
staff choose an earlier start).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.rules import format_day
from core.audit import record, snapshot
from core.uploads import UploadRefused, check_proof
from families.models import Family, FamilyQuotient

QUOTIENT_FIELDS = ("value", "source", "valid_from", "valid_to", "proof")
# A QF above this is a typing error (CAF quotients are a few thousand euros at most).
MAX_QUOTIENT = 99_999


class QuotientError(ValueError):
    """The quotient cannot be recorded; the message says why in French, nothing changed."""

    @property
    def message(self) -> str:
        """Return the user-facing message."""
        return str(self)


@dataclass(frozen=True)
class QuotientRecorded:
    """A recorded quotient, the one it closed (if any), and the message for the agent."""

    quotient: FamilyQuotient
    closed: list[FamilyQuotient]
    message: str


def _period(quotient: FamilyQuotient) -> str:
    if quotient.valid_to is None:
        return _("depuis le %(from)s") % {"from": format_day(quotient.valid_from)}
    return _("du %(from)s au %(to)s") % {
        "from": format_day(quotient.valid_from),
        "to": format_day(quotient.valid_to),
    }


def _store_proof(proof: File) -> str:
    try:
        extension = check_proof(proof)
    except UploadRefused as exc:
        raise QuotientError(str(exc)) from exc
    name = f"quotients/{timezone.localdate():%Y}/{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, proof)


def record_quotient(
    *,
    family: Family,
    value: int,
    source: str,
    valid_from: date,
    valid_to: date | None = None,
    proof: File | None = None,
    by: User | None,
) -> QuotientRecorded:
    """Record a family's quotient familial; the one in force before it ends the day before."""
    if source not in FamilyQuotient.Source.values:
        raise QuotientError(_("Source du quotient inconnue : choisissez-la dans la liste."))
    if not 0 <= value <= MAX_QUOTIENT:
        raise QuotientError(
            _("Le quotient familial doit être compris entre 0 et %(max)s.") % {"max": MAX_QUOTIENT}
        )
    if valid_to is not None and valid_to < valid_from:
        raise QuotientError(
            _("La fin de validité (%(to)s) précède son début (%(from)s).")
            % {"to": format_day(valid_to), "from": format_day(valid_from)}
        )
    proof_name = _store_proof(proof) if proof is not None else ""
    try:
        return _record(family, value, source, valid_from, valid_to, proof_name, by)
    except Exception:
        # Nothing was written: keep no attestation that no quotient points to.
        if proof_name:
            default_storage.delete(proof_name)
        raise


def _record(
    family: Family,
    value: int,
    source: str,
    valid_from: date,
    valid_to: date | None,
    proof_name: str,
    by: User | None,
) -> QuotientRecorded:
    with transaction.atomic(durable=True):
        # Lock the family row: two agents recording at once must not both close the same QF.
        Family.objects.select_for_update().filter(pk=family.pk).first()
        overlapping = FamilyQuotient.objects.filter(family=family).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
        )
        if valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=valid_to)
        later = [q for q in overlapping if q.valid_from >= valid_from]
        if later:
            blocking = min(later, key=lambda q: q.valid_from)
            values = {"value": blocking.value, "period": _period(blocking)}
            if blocking.valid_from == valid_from:
                raise QuotientError(
                    _(
                        "Le QF %(value)s est déjà enregistré %(period)s : choisissez une autre "
                        "date de début."
                    )
                    % values
                )
            values["day"] = format_day(blocking.valid_from - timedelta(days=1))
            raise QuotientError(
                _(
                    "Ce quotient chevauche le QF %(value)s valable %(period)s : indiquez une fin "
                    "de validité au plus tard le %(day)s."
                )
                % values
            )
        to_close = sorted(overlapping, key=lambda q: q.valid_from)
        closed: list[FamilyQuotient] = []
        for previous in to_close:
            before = snapshot(previous, ("valid_from", "valid_to"))
            previous.valid_to = valid_from - timedelta(days=1)
            previous.save(update_fields=["valid_to"])
            record(
                action="quotient.closed",
                obj=previous,
                by=by,
                family=family,
                before=before,
                after=snapshot(previous, ("valid_from", "valid_to")),
            )
            closed.append(previous)
        quotient = FamilyQuotient(
            family=family, value=value, source=source, valid_from=valid_from, valid_to=valid_to
        )
        quotient.proof.name = proof_name
        quotient.save()
        record(
            action="quotient.recorded",
            obj=quotient,
            by=by,
            family=family,
            after=snapshot(quotient, QUOTIENT_FIELDS),
        )
    message = _("Quotient familial %(value)s enregistré, valable %(period)s.") % {
        "value": value,
        "period": _period(quotient),
    }
    for previous in closed:
        message += " " + _(
            "Le QF %(value)s précédent est clos au %(day)s, la veille du nouveau."
        ) % {"value": previous.value, "day": format_day(previous.valid_to)}  # type: ignore[arg-type]
    return QuotientRecorded(quotient, closed, message)


# ---------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True)
class QuotientLine:
    """One quotient of the history, with where it stands today."""

    quotient: FamilyQuotient
    status: str  # "current", "upcoming" or "past"

    @property
    def status_label(self) -> str:
        """Return the status in words (never shown by colour alone)."""
        return {
            "current": _("En vigueur"),
            "upcoming": _("À venir"),
            "past": _("Terminé"),
        }[self.status]

    @property
    def period(self) -> str:
        """Return the validity in words."""
        return _period(self.quotient)


@dataclass(frozen=True)
class QuotientHistory:
    """A family's quotients: the one in force today and every other, newest first."""

    family_id: int
    current: QuotientLine | None
    lines: list[QuotientLine] = field(default_factory=list)

    @property
    def others(self) -> list[QuotientLine]:
        """Return the quotients other than the current one."""
        return [line for line in self.lines if line.status != "current"]


def _status(quotient: FamilyQuotient, today: date) -> str:
    if quotient.valid_from > today:
        return "upcoming"
    if quotient.valid_to is not None and quotient.valid_to < today:
        return "past"
    return "current"


def quotient_history(family: Family, today: date | None = None) -> QuotientHistory:
    """Return a family's quotients, current first, in one query."""
    today = today or timezone.localdate()
    lines = [
        QuotientLine(q, _status(q, today))
        for q in FamilyQuotient.objects.filter(family=family).order_by("-valid_from", "-pk")
    ]
    current = next((line for line in lines if line.status == "current"), None)
    return QuotientHistory(family_id=family.pk, current=current, lines=lines)
