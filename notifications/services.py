"""Outbox writes: queue the families' messages with the change, send them after commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.rules import format_day
from bookings.services.base import ClosureResult
from catalog.models import Closure
from core.audit import record_many
from core.models import AuditEvent
from families.models import Family, Guardian
from notifications.models import Notification

logger = logging.getLogger(__name__)

N = Notification
CLOSURE_TEMPLATES = ("notifications/closure_subject.txt", "notifications/closure_body.txt")
# A mail server that accepts the connection and then hangs must not hang the agent's page.
SMTP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class ChildDays:
    """One child's cancelled days, as the message lists them."""

    first_name: str
    days: list[tuple[date, str]]  # (day, activity name)


def queue_closure_notifications(result: ClosureResult, *, by: User | None) -> None:
    """Queue one message per guardian with an e-mail of each family a closure touched.

    A family without any e-mail address gets one `no_address` row, so the agent sees whom to
    phone. Call it inside the closure's transaction (close_days' `on_closed`): the rows commit
    with the closure, and the e-mails leave only after that commit.
    """
    closure = result.closure
    bookings = list(
        Booking.objects.filter(pk__in=result.cancelled_booking_ids)
        .select_related("child", "activity")
        .order_by("child__first_name", "child_id", "day_id", "activity__name")
    )
    by_family: dict[int, dict[int, ChildDays]] = defaultdict(dict)
    for booking in bookings:
        of_family = by_family[booking.child.family_id]
        entry = of_family.setdefault(booking.child_id, ChildDays(booking.child.first_name, []))
        entry.days.append((booking.day_id, booking.activity.name))
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for guardian in Guardian.objects.filter(family__in=result.families).order_by(
        "-is_payer", "last_name", "first_name", "pk"
    ):
        guardians[guardian.family_id].append(guardian)

    rows: list[Notification] = []
    for family in result.families:
        children = list(by_family[family.pk].values())
        addressed: list[Guardian | None] = list(_distinct_addresses(guardians[family.pk]))
        for recipient in addressed or [None]:
            subject, body = _render_closure(closure, family, recipient, children)
            rows.append(
                Notification(
                    family=family,
                    guardian=recipient,
                    to_address=recipient.email if recipient else "",
                    channel=N.Channel.EMAIL,
                    kind=N.Kind.CLOSURE,
                    subject=subject,
                    body=body,
                    status=N.Status.QUEUED if recipient else N.Status.NO_ADDRESS,
                    created_by=by,
                    object_type=closure._meta.label_lower,
                    object_id=str(closure.pk),
                )
            )
    with transaction.atomic():
        Notification.objects.bulk_create(rows)
        record_many([_queued_event(row, by) for row in rows])
        queued = [row.pk for row in rows if row.status == N.Status.QUEUED]
        if queued:
            transaction.on_commit(lambda: send_queued(queued))


def resend_notifications(notifications: Iterable[Notification], *, by: User) -> list[int]:
    """Queue failed e-mails again (audited) and send them after commit; return their ids."""
    ids = [n.pk for n in notifications if n.status == N.Status.FAILED]
    if not ids:
        return []
    with transaction.atomic(durable=True):
        rows = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("guardian")
            .filter(pk__in=ids, status=N.Status.FAILED)
        )
        for row in rows:
            row.status = N.Status.QUEUED
            # The agent was told to check the address: take the guardian's current one.
            if row.guardian is not None and row.guardian.email:
                row.to_address = row.guardian.email
        Notification.objects.bulk_update(rows, ["status", "to_address"])
        record_many(
            [
                AuditEvent(
                    action="notification.resent",
                    object_type=row._meta.label_lower,
                    object_id=str(row.pk),
                    actor=by,
                    family_id=row.family_id,
                    before={"status": N.Status.FAILED, "last_error": row.last_error},
                    after={"status": N.Status.QUEUED, "to_address": row.to_address},
                )
                for row in rows
            ]
        )
        resent = [row.pk for row in rows]
        transaction.on_commit(lambda: send_queued(resent))
    return resent


def send_queued(ids: Iterable[int]) -> dict[str, int]:
    """Send the queued e-mails among `ids`; mark each sent or failed. Never raises.

    Returns how many were sent and how many failed. A failure keeps the error on the row, for
    the agent (« Renvoyer ») and for the delivery worker that will retry.
    """
    outcome = {"sent": 0, "failed": 0}
    rows = list(
        Notification.objects.filter(
            pk__in=list(ids), status=N.Status.QUEUED, channel=N.Channel.EMAIL
        ).order_by("pk")
    )
    if not rows:
        return outcome
    try:
        connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
        connection.open()
    except Exception as exc:
        # The server is down or refuses us: every message of the batch failed this time.
        logger.warning("Could not reach the mail server for %s notifications.", len(rows))
        for row in rows:
            _mark(row, error=exc)
        outcome["failed"] = len(rows)
        return outcome
    try:
        for row in rows:
            message = EmailMessage(
                subject=row.subject,
                body=row.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[row.to_address],
                connection=connection,
            )
            try:
                message.send(fail_silently=False)
            except Exception as exc:
                logger.warning("Notification %s could not be sent: %s", row.pk, exc)
                _mark(row, error=exc)
                outcome["failed"] += 1
            else:
                _mark(row, error=None)
                outcome["sent"] += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed.", exc_info=True)
    return outcome


def _mark(row: Notification, *, error: Exception | None) -> None:
    now = timezone.now()
    row.attempts += 1
    row.last_attempt_at = now
    if error is None:
        row.status = N.Status.SENT
        row.sent_at = now
        row.last_error = ""
    else:
        row.status = N.Status.FAILED
        row.last_error = (f"{type(error).__name__}: {error}")[:1000]
    fields = ["attempts", "last_attempt_at", "status", "sent_at", "last_error"]
    # Only a row still queued is marked: a concurrent sender never overwrites a result.
    Notification.objects.filter(pk=row.pk, status=N.Status.QUEUED).update(
        **{name: getattr(row, name) for name in fields}
    )


def _distinct_addresses(guardians: list[Guardian]) -> list[Guardian]:
    """Keep the guardians with an e-mail, one per address (two parents may share one)."""
    seen: set[str] = set()
    kept = []
    for guardian in guardians:
        address = guardian.email.strip().casefold()
        if address and address not in seen:
            seen.add(address)
            kept.append(guardian)
    return kept


def _render_closure(
    closure: Closure, family: Family, guardian: Guardian | None, children: list[ChildDays]
) -> tuple[str, str]:
    target = (
        closure.activity.name if closure.activity else closure.site.name if closure.site else ""
    )
    context = {
        "commune_name": settings.MARELLE_COMMUNE_NAME,
        "family": family,
        "guardian": guardian,
        "target": target,
        "is_site": closure.site_id is not None,
        "starts_on": format_day(closure.starts_on),
        "ends_on": format_day(closure.ends_on),
        "single_day": closure.starts_on == closure.ends_on,
        "reason": closure.get_reason_display(),
        "note": closure.note,
        "children": [
            {
                "first_name": child.first_name,
                "days": [{"day": format_day(d), "activity": a} for d, a in child.days],
            }
            for child in children
        ],
    }
    subject_template, body_template = CLOSURE_TEMPLATES
    subject = " ".join(render_to_string(subject_template, context).split())
    body = render_to_string(body_template, context).strip() + "\n"
    return subject[:200], body


def _queued_event(row: Notification, by: User | None) -> AuditEvent:
    return AuditEvent(
        action="notification.queued",
        object_type=row._meta.label_lower,
        object_id=str(row.pk),
        actor=by,
        family_id=row.family_id,
        after={
            "kind": row.kind,
            "status": row.status,
            "to_address": row.to_address,
            "source": f"{row.object_type}#{row.object_id}",
        },
    )
