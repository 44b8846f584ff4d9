"""Families, their guardians and children, and the family's quotient familial."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FAMILY_IDENTIFIER_VALIDATOR = RegexValidator(
    r"^\d{5}-\d{5}$",
    _("L'identifiant famille s'écrit code INSEE, tiret, numéro sur 5 chiffres (ex. 78322-00042)."),
)


class Family(models.Model):
    """A household: the unit that logs in, books and is billed."""

    identifier = models.CharField(
        _("identifiant famille"),
        max_length=11,
        unique=True,
        validators=[FAMILY_IDENTIFIER_VALIDATOR],
        help_text=_("Code INSEE de la commune, tiret, numéro (ex. 78322-00042)."),
    )
    name = models.CharField(_("nom de la famille"), max_length=150, db_index=True)
    address_line = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    residence_insee = models.CharField(
        _("code INSEE de la commune de résidence"),
        max_length=5,
        blank=True,
        help_text=_("Détermine le tarif résident ou extérieur."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("famille")
        verbose_name_plural = _("familles")
        ordering = ["name", "identifier"]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def is_resident(self) -> bool:
        """Tell whether the family lives in the commune (resident pricing and windows)."""
        return self.residence_insee == settings.MARELLE_COMMUNE_INSEE


class Guardian(models.Model):
    """A responsable légal; one may be the payer, each may have a login."""

    family = models.ForeignKey(
        Family, verbose_name=_("famille"), on_delete=models.CASCADE, related_name="guardians"
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    mobile_phone = models.CharField(_("téléphone portable"), max_length=20, blank=True)
    home_phone = models.CharField(_("téléphone fixe"), max_length=20, blank=True)
    is_payer = models.BooleanField(_("payeur"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte de connexion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
    )

    class Meta:
        verbose_name = _("responsable légal")
        verbose_name_plural = _("responsables légaux")
        ordering = ["family", "last_name", "first_name"]
        constraints = [
            # The payer is who invoices go to by default; families.services moves the flag.
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(is_payer=True),
                name="one_payer_per_family",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """Return the name as the seed's grid shows it: « DUPONT JEAN »."""
        return f"{self.last_name.upper()} {self.first_name.upper()}"


class ClassLevel(models.TextChoices):
    """French school levels, used for eligibility."""

    NONE = "", _("Non scolarisé")
    TPS = "TPS", _("Toute petite section")
    PS = "PS", _("Petite section")
    MS = "MS", _("Moyenne section")
    GS = "GS", _("Grande section")
    CP = "CP", _("CP")
    CE1 = "CE1", _("CE1")
    CE2 = "CE2", _("CE2")
    CM1 = "CM1", _("CM1")
    CM2 = "CM2", _("CM2")


class Diet(models.TextChoices):
    """Neutral diet options (never religious labels, per the CNIL)."""

    STANDARD = "standard", _("Menu standard")
    NO_PORK = "no_pork", _("Sans porc")
    NO_MEAT = "no_meat", _("Sans viande")
    VEGETARIAN = "vegetarian", _("Végétarien")


class Child(models.Model):
    """A child of a family; health data stays minimal."""

    family = models.ForeignKey(
        Family, verbose_name=_("famille"), on_delete=models.CASCADE, related_name="children"
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    school = models.ForeignKey(
        "catalog.Site",
        verbose_name=_("école"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupils",
        limit_choices_to={"kind__in": ["elementary_school", "nursery_school"]},
    )
    class_level = models.CharField(
        _("niveau"), max_length=3, choices=ClassLevel.choices, blank=True, default=""
    )
    diet = models.CharField(_("régime"), max_length=16, choices=Diet.choices, default=Diet.STANDARD)
    has_pai = models.BooleanField(
        _("PAI / allergie"),
        default=False,
        help_text=_(
            "Projet d'accueil individualisé : visible seulement des rôles qui en ont besoin."
        ),
    )
    pai_notes = models.TextField(_("consignes PAI pour le personnel"), blank=True)
    packed_meal = models.BooleanField(_("panier-repas fourni par la famille"), default=False)

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["family", "birth_date"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    def age_in_months(self, on: date) -> int:
        """Return the child's age in whole months on a given day."""
        months = (on.year - self.birth_date.year) * 12 + on.month - self.birth_date.month
        if on.day < self.birth_date.day:
            months -= 1
        return months


class AuthorisedPerson(models.Model):
    """Someone allowed to pick the child up, shown on attendance lists."""

    child = models.ForeignKey(
        Child,
        verbose_name=_("enfant"),
        on_delete=models.CASCADE,
        related_name="authorised_persons",
    )
    name = models.CharField(_("nom et prénom"), max_length=150)
    relationship = models.CharField(_("lien avec l'enfant"), max_length=60, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("personne autorisée à récupérer l'enfant")
        verbose_name_plural = _("personnes autorisées à récupérer l'enfant")

    def __str__(self) -> str:
        return self.name


class FamilyQuotient(models.Model):
    """A quotient familial with its validity, from the CAF/MSA attestation."""

    class Source(models.TextChoices):
        CAF = "caf", _("Attestation CAF")
        MSA = "msa", _("Attestation MSA")
        TAX_NOTICE = "tax_notice", _("Avis d'imposition")
        API_PARTICULIER = "api_particulier", _("API Particulier")
        NONE = "none", _("Non fourni (tranche la plus haute)")

    family = models.ForeignKey(
        Family, verbose_name=_("famille"), on_delete=models.CASCADE, related_name="quotients"
    )
    value = models.PositiveIntegerField(_("quotient familial"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    valid_from = models.DateField(_("valable du"))
    valid_to = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    proof = models.FileField(_("justificatif"), upload_to="quotients/%Y/", blank=True)
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("quotient familial")
        verbose_name_plural = _("quotients familiaux")
        ordering = ["family", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="quotient_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"QF {self.value} ({self.valid_from:%d/%m/%Y})"
