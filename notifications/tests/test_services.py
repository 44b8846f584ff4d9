"""The outbox: queued with the closure, sent after commit through a real SMTP server."""

from __future__ import annotations

import socket
from functools import partial
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bookings.models import BookingState
from bookings.services.closures import close_days
from catalog.models import Closure
from conftest import Mailbox, assert_counters_match_bookings
from core.models import AuditEvent
from notifications.models import Notification
from notifications.services import queue_closure_notifications, resend_notifications, send_queued
from notifications.tests.factories import WEDNESDAY, book, family_without_email, kid

N = Notification


def close_wednesday(activity: Any, agent: Any, **kwargs: Any) -> Any:
    return close_days(
        activity=activity,
        starts_on=WEDNESDAY,
        ends_on=WEDNESDAY,
        reason=Closure.Reason.STRIKE,
        note="Grève des animateurs",
        by=agent,
        on_closed=partial(queue_closure_notifications, by=agent),
        **kwargs,
    )


def closed_port() -> int:
    """Return a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def booked(child, sibling, other_family, wednesday_alsh, school_year, agent):
    """Léa and Hugo DUPONT and Tom MARTIN booked on the Wednesday ALSH."""
    tom = kid(other_family, "Tom")
    return book([child, sibling, tom], wednesday_alsh, school_year, agent)


def test_closure_queues_messages_in_its_transaction_and_sends_after_commit(
    booked, wednesday_alsh, agent, smtp: Mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = close_wednesday(wednesday_alsh, agent)
    # Written with the closure, nothing sent before the commit.
    rows = list(N.objects.order_by("to_address"))
    assert [(r.to_address, r.status) for r in rows] == [
        ("jean.dupont@example.org", N.Status.QUEUED),
        ("sophie.martin@example.org", N.Status.QUEUED),
    ]
    assert {(r.object_type, r.object_id) for r in rows} == {
        ("catalog.closure", str(result.closure.pk))
    }
    assert all(r.created_by == agent and r.kind == N.Kind.CLOSURE for r in rows)
    assert smtp.messages == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "jean.dupont@example.org",
        "sophie.martin@example.org",
    ]
    assert {(r.status, r.attempts) for r in N.objects.all()} == {(N.Status.SENT, 1)}
    assert all(r.sent_at is not None for r in N.objects.all())
    assert AuditEvent.objects.filter(action="notification.queued", actor=agent).count() == 2
    assert_counters_match_bookings()


def test_message_lists_each_child_and_says_no_charge(
    booked, wednesday_alsh, agent, settings, smtp: Mailbox, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "enfance@mairie.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        close_wednesday(wednesday_alsh, agent)
    [message] = smtp.to("jean.dupont@example.org")
    assert message["From"] == "enfance@mairie.example.org"
    assert message["Subject"].strip() == (  # the header folds before encoded words
        "Fermeture le mercredi 8 avril 2026 : réservations annulées sans frais"
    )
    body = smtp.body(message).replace("\r\n", "\n")
    assert body.startswith("Bonjour Jean DUPONT,")
    assert (
        "L'activité « ALSH Mercredi après-midi » n'aura pas lieu le mercredi 8 avril 2026." in body
    )
    assert "Motif : Grève — Grève des animateurs" in body
    assert "Hugo :\n  - mercredi 8 avril 2026 : ALSH Mercredi après-midi" in body
    assert "Léa :\n  - mercredi 8 avril 2026 : ALSH Mercredi après-midi" in body
    assert "Tom" not in body  # another family's child
    assert "aucun frais ne vous sera facturé" in body
    assert body.rstrip().endswith(
        "Mairie – Le Mesnil-Saint-Denis\nServices Éducation et Petite enfance"
    )
    [martin] = smtp.to("sophie.martin@example.org")
    assert "Tom :" in smtp.body(martin) and "Léa" not in smtp.body(martin)


def test_family_without_email_gets_one_no_address_row(
    booked, wednesday_alsh, school_year, agent, smtp: Mailbox, django_capture_on_commit_callbacks
):
    bernard = family_without_email()
    book([kid(bernard, "Inès")], wednesday_alsh, school_year, agent)
    with django_capture_on_commit_callbacks(execute=True):
        close_wednesday(wednesday_alsh, agent)
    [row] = N.objects.filter(family=bernard)
    assert (row.status, row.guardian, row.to_address, row.attempts) == (
        N.Status.NO_ADDRESS,
        None,
        "",
        0,
    )
    assert "Inès :" in row.body
    assert len(smtp.messages) == 2  # DUPONT and MARTIN only


def test_two_guardians_sharing_an_address_get_one_message(
    booked, family, wednesday_alsh, agent, smtp: Mailbox, django_capture_on_commit_callbacks
):
    marie = family.guardians.get(first_name="Marie")
    marie.email = "JEAN.DUPONT@example.org"
    marie.save()
    second = family.guardians.create(first_name="Luc", last_name="DUPONT", email="luc@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        close_wednesday(wednesday_alsh, agent)
    assert sorted(N.objects.filter(family=family).values_list("to_address", flat=True)) == [
        "jean.dupont@example.org",
        second.email,
    ]
    assert len(smtp.to("luc@example.org")) == 1


def test_closure_without_bookings_queues_nothing(wednesday_alsh, school_year, agent, smtp: Mailbox):
    result = close_wednesday(wednesday_alsh, agent)
    assert result.cancelled_booking_ids == []
    assert not N.objects.exists()


def test_server_down_is_recorded_not_raised(
    booked, wednesday_alsh, agent, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        result = close_wednesday(wednesday_alsh, agent)
    assert len(result.cancelled_booking_ids) == 3  # the closure stands
    rows = list(N.objects.all())
    assert {(r.status, r.attempts) for r in rows} == {(N.Status.FAILED, 1)}
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert all(r.sent_at is None and r.last_attempt_at is not None for r in rows)


class RefusesOne(Mailbox):
    """A server that refuses one recipient and accepts the others."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("sophie."):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_refused_recipient_fails_alone_and_can_be_resent(
    booked, wednesday_alsh, agent, settings, smtp: Mailbox, django_capture_on_commit_callbacks
):
    refusing = RefusesOne()
    controller = Controller(refusing, hostname="127.0.0.1", port=closed_port())
    controller.start()
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = controller.port
    try:
        with django_capture_on_commit_callbacks(execute=True):
            close_wednesday(wednesday_alsh, agent)
    finally:
        controller.stop()
    sophie = N.objects.get(to_address="sophie.martin@example.org")
    assert sophie.status == N.Status.FAILED
    assert "550" in sophie.last_error and "Mailbox unavailable" in sophie.last_error
    assert N.objects.get(to_address="jean.dupont@example.org").status == N.Status.SENT
    assert [str(m["To"]) for m in refusing.messages] == ["jean.dupont@example.org"]

    settings.EMAIL_PORT = good_port  # the address is fixed on the server's side
    with django_capture_on_commit_callbacks(execute=True):
        resent = resend_notifications(N.objects.all(), by=agent)
    assert resent == [sophie.pk]  # only the failed one
    sophie.refresh_from_db()
    assert (sophie.status, sophie.attempts, sophie.last_error) == (N.Status.SENT, 2, "")
    assert [str(m["To"]) for m in smtp.messages] == ["sophie.martin@example.org"]
    event = AuditEvent.objects.get(action="notification.resent")
    assert (event.actor, event.object_id, event.family_id) == (
        agent,
        str(sophie.pk),
        sophie.family_id,
    )


def test_send_queued_skips_rows_already_sent(booked, wednesday_alsh, agent, smtp: Mailbox):
    close_wednesday(wednesday_alsh, agent)  # test transaction: on_commit never runs
    ids = list(N.objects.values_list("pk", flat=True))
    assert send_queued(ids) == {"sent": 2, "failed": 0}
    assert send_queued(ids) == {"sent": 0, "failed": 0}
    assert len(smtp.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_rolled_back_closure_sends_nothing(
    child, sibling, wednesday_alsh, school_year, agent, smtp: Mailbox
):
    book([child, sibling], wednesday_alsh, school_year, agent)

    def queue_then_fail(result: Any) -> None:
        queue_closure_notifications(result, by=agent)
        assert N.objects.count() == 1  # queued inside the closure's transaction…
        raise RuntimeError("something after the queueing failed")

    with pytest.raises(RuntimeError):
        close_days(
            activity=wednesday_alsh,
            starts_on=WEDNESDAY,
            ends_on=WEDNESDAY,
            reason=Closure.Reason.STRIKE,
            by=agent,
            on_closed=queue_then_fail,
        )
    # …and gone with it: no closure, no message, bookings untouched, nothing sent.
    assert not Closure.objects.exists()
    assert not N.objects.exists()
    assert set(child.bookings.values_list("state", flat=True)) == {BookingState.RESERVED}
    assert smtp.messages == []
    assert_counters_match_bookings()


@pytest.mark.django_db(transaction=True)
def test_committed_closure_sends_for_real(child, wednesday_alsh, school_year, agent, smtp: Mailbox):
    book([child], wednesday_alsh, school_year, agent)
    close_wednesday(wednesday_alsh, agent)
    assert [str(m["To"]) for m in smtp.messages] == ["jean.dupont@example.org"]
    assert N.objects.get().status == N.Status.SENT


def test_resend_goes_to_the_address_corrected_meanwhile(
    booked, wednesday_alsh, agent, settings, smtp: Mailbox, django_capture_on_commit_callbacks
):
    """The failure says « vérifiez l'adresse »: once the agent fixes it, the resend uses it."""
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()  # the server is down: every mail fails
    with django_capture_on_commit_callbacks(execute=True):
        close_wednesday(wednesday_alsh, agent)
    sophie = N.objects.get(to_address="sophie.martin@example.org")
    assert sophie.status == N.Status.FAILED
    guardian = sophie.guardian
    assert guardian is not None
    guardian.email = "sophie.martin@nouveau.example.org"
    guardian.save()
    settings.EMAIL_PORT = good_port
    with django_capture_on_commit_callbacks(execute=True):
        resend_notifications([sophie], by=agent)
    sophie.refresh_from_db()
    assert (sophie.status, sophie.to_address) == (N.Status.SENT, guardian.email)
    assert [str(m["To"]) for m in smtp.messages] == ["sophie.martin@nouveau.example.org"]
