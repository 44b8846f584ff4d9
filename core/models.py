"""The audit journal: who changed what, when, with the state before and after."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write made by a service, kept for staff and for the family's history."""

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=64)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    family = models.ForeignKey(
        "families.Family",
        verbose_name=_("famille"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    before: models.JSONField[Any, Any] = models.JSONField(
        _("avant"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    after: models.JSONField[Any, Any] = models.JSONField(
        _("après"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    note = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class ServiceContact(models.Model):
    """A service families can call or write to, shown in every page's footer."""

    class Domain(models.TextChoices):
        EDUCATION = "education", _("Cantine, étude, accueil de loisirs")
        EARLY_CHILDHOOD = "early_childhood", _("Petite enfance (crèche)")
        BILLING = "billing", _("Facturation et paiements")
        OTHER = "other", _("Autre")

    domain = models.CharField(_("domaine"), max_length=20, choices=Domain.choices)
    service = models.CharField(_("service"), max_length=100, help_text=_("Ex. Service Scolaire"))
    person = models.CharField(_("interlocuteur"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    hours = models.CharField(_("horaires d'accueil"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("contact d'un service")
        verbose_name_plural = _("contacts des services")
        ordering = ["position", "service"]

    def __str__(self) -> str:
        return f"{self.service} — {self.person}" if self.person else self.service
