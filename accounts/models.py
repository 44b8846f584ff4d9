"""Users: staff agents and family guardians share one login model."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: a staff agent, or a guardian of a family."""

    class Role(models.TextChoices):
        FAMILY = "family", _("Famille")
        EDUCATION_AGENT = "education_agent", _("Agent du service Éducation")
        EARLY_CHILDHOOD_AGENT = "early_childhood_agent", _("Agent du service Petite enfance")
        SITE_STAFF = "site_staff", _("Animateur / personnel de site")
        FINANCE = "finance", _("Finances (régie)")
        ADMINISTRATOR = "administrator", _("Administrateur")

    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices, default=Role.FAMILY)
    sites = models.ManyToManyField(
        "catalog.Site",
        verbose_name=_("sites"),
        blank=True,
        related_name="staff",
        help_text=_("Pour le personnel de site : les sites dont il voit les listes."),
    )

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    @property
    def is_family(self) -> bool:
        """Tell whether this login belongs to a family guardian."""
        return self.role == self.Role.FAMILY
