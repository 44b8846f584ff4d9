"""The notifications outbox: one row per message to a family, written with the change.

A row is queued in the same transaction as the change that causes it (a closure…) and
delivered after commit. The delivery issue takes the queued and failed rows over (retries,
SMS, preferences): the row already holds the rendered message, the channel, the attempts and
the last error, and points back to the object it is about.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one guardian of a family (or a family nobody can be e-mailed at)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Fermeture")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec de l'envoi")
        NO_ADDRESS = "no_address", _("Sans adresse e-mail")

    family = models.ForeignKey(
        "families.Family",
        verbose_name=_("famille"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    guardian = models.ForeignKey(
        "families.Guardian",
        verbose_name=_("destinataire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to_address = models.EmailField(_("adresse"), blank=True)
    channel = models.CharField(
        _("canal"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_type = models.CharField(_("type d'objet"), max_length=64)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="notification_source"),
            models.Index(fields=["status", "created_at"], name="notification_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="no_address") | ~models.Q(to_address=""),
                name="notification_has_address_unless_no_address",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_address or self.family_id} ({self.status})"
