"""Reads of the outbox: what was sent about an object (a closure…), in constant queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from families.models import Guardian
from notifications.models import Notification

N = Notification


@dataclass(frozen=True)
class NotificationCounts:
    """How the messages about one object stand."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    no_address: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.no_address


def counts_by_object(
    object_type: str, object_ids: Iterable[object]
) -> dict[str, NotificationCounts]:
    """Return the counts per status of the messages about each object (one query)."""
    keys = [str(pk) for pk in object_ids]
    if not keys:
        return {}
    tallies: dict[str, dict[str, int]] = {}
    rows = (
        Notification.objects.filter(object_type=object_type, object_id__in=keys)
        .values("object_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tallies.setdefault(row["object_id"], {})[row["status"]] = row["n"]
    return {key: NotificationCounts(**tally) for key, tally in tallies.items()}


def notifications_about(object_type: str, object_id: object) -> list[Notification]:
    """Return the messages about one object, family first, with the families' guardians.

    The guardians come along so a `no_address` row can show whom to phone.
    """
    return list(
        Notification.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("family", "guardian")
        .prefetch_related(
            Prefetch(
                "family__guardians",
                queryset=Guardian.objects.order_by("-is_payer", "last_name", "first_name"),
            )
        )
        .order_by("family__name", "family__identifier", "pk")
    )
