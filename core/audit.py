"""Write audit events; every service calls `record` inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from core.models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User
    from families.models import Family


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the JSON-ready values of `fields` on `instance`."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, bool | int | str | float):
            value = str(value)
        values[name] = value
    return values


def record(
    *,
    action: str,
    obj: models.Model,
    by: User | None,
    family: Family | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Record one audit event for `obj`."""
    return AuditEvent.objects.create(
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        actor=by,
        family=family,
        before=before,
        after=after,
        note=note,
    )


def record_many(events: list[AuditEvent]) -> None:
    """Insert prepared audit events in one statement (bulk services)."""
    AuditEvent.objects.bulk_create(events, batch_size=500)
