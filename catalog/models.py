"""Sites, activities with their rules, the school calendar and closures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings import rules


class Site(models.Model):
    """A place where activities happen: a school, a leisure centre, a crèche."""

    class Kind(models.TextChoices):
        ELEMENTARY_SCHOOL = "elementary_school", _("École élémentaire")
        NURSERY_SCHOOL = "nursery_school", _("École maternelle")
        LEISURE_CENTRE = "leisure_centre", _("Accueil de loisirs")
        CRECHE = "creche", _("Crèche / multi-accueil")

    name = models.CharField(_("nom"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("adresse"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    """An année scolaire: the span enrolments and bookings live in."""

    label = models.CharField(_("libellé"), max_length=20, unique=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    zone = models.CharField(
        _("zone de vacances"), max_length=1, choices=[("A", "A"), ("B", "B"), ("C", "C")]
    )

    class Meta:
        verbose_name = _("année scolaire")
        verbose_name_plural = _("années scolaires")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="school_year_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class DayKind(models.TextChoices):
    """What kind of day a calendar day is, for deciding which activities run."""

    SCHOOL_DAY = "school_day", _("Jour d'école")
    NO_SCHOOL = "no_school", _("Jour sans école (mercredi)")
    SCHOOL_HOLIDAY = "school_holiday", _("Vacances scolaires")
    PUBLIC_HOLIDAY = "public_holiday", _("Jour férié")
    WEEKEND = "weekend", _("Week-end")


class CalendarDay(models.Model):
    """One day of a school year; bookings point here, so no booking falls outside a year."""

    date = models.DateField(_("jour"), primary_key=True)
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("année scolaire"), on_delete=models.PROTECT, related_name="days"
    )
    kind = models.CharField(_("type de jour"), max_length=16, choices=DayKind.choices)
    label = models.CharField(
        _("libellé"), max_length=100, blank=True, help_text=_("Ex. « Vacances de Noël », « Noël »")
    )

    class Meta:
        verbose_name = _("jour du calendrier")
        verbose_name_plural = _("calendrier")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} ({self.get_kind_display()})"


class DeadlineRule(models.Model):
    """A named délai de prévenance, shared by activities (typed fields of rules.DeadlineRule)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    kind = models.CharField(
        _("forme"), max_length=32, choices=rules.DeadlineKind.choices, default="none"
    )
    days = models.PositiveSmallIntegerField(
        _("nombre de jours / jour du mois"),
        default=0,
        help_text=_("N pour « N jours avant », D pour « le D du mois précédent »."),
    )
    at = models.TimeField(_("heure limite"), default="00:00")
    weekday = models.PositiveSmallIntegerField(
        _("jour de la semaine limite"),
        default=0,
        help_text=_("0 = lundi … 6 = dimanche (forme « jour de la semaine précédente »)."),
    )
    weeks_before = models.PositiveSmallIntegerField(_("semaines avant"), default=1)
    skip_weekends = models.BooleanField(_("week-ends non comptés"), default=True)
    skip_public_holidays = models.BooleanField(_("jours fériés non comptés"), default=True)
    only_school_days = models.BooleanField(_("seuls les jours d'école comptent"), default=False)
    skipped_weekdays: models.JSONField[Any, Any] = models.JSONField(
        _("autres jours non comptés"),
        default=list,
        blank=True,
        help_text=_("Liste de jours (0 = lundi … 6 = dimanche), ex. [2] pour le mercredi."),
    )
    per_weekday: models.JSONField[Any, Any] = models.JSONField(
        _("limite par jour réservé"),
        default=list,
        blank=True,
        help_text=_(
            'Ex. [{"booked_weekday": 0, "cutoff_weekday": 4, "at": "09:00"}] : '
            "le lundi se réserve jusqu'au vendredi précédent avant 9h00."
        ),
    )

    class Meta:
        verbose_name = _("délai de prévenance")
        verbose_name_plural = _("délais de prévenance")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_rule(self) -> rules.DeadlineRule:
        """Return the pure rule this row configures (built once per loaded row)."""
        cached = self.__dict__.get("_rule")
        if cached is None:
            cached = self.__dict__["_rule"] = self._build_rule()
        return cached

    def _build_rule(self) -> rules.DeadlineRule:
        return rules.DeadlineRule.from_dict(
            {
                "kind": self.kind,
                "days": self.days,
                "at": self.at if isinstance(self.at, str) else self.at.strftime("%H:%M"),
                "weekday": self.weekday,
                "weeks_before": self.weeks_before,
                "skip_weekends": self.skip_weekends,
                "skip_public_holidays": self.skip_public_holidays,
                "only_school_days": self.only_school_days,
                "skipped_weekdays": list(self.skipped_weekdays or []),
                "per_weekday": list(self.per_weekday or []),
            }
        )

    def clean(self) -> None:
        """Refuse a rule that the engine cannot evaluate, with its French message."""
        try:
            self._build_rule()
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    @property
    def description(self) -> str:
        """Return the rule in plain French, for parents and staff."""
        return rules.describe_rule(self.as_rule())


class Activity(models.Model):
    """A prestation: what a child can be booked for on a day, with its rules."""

    class Category(models.TextChoices):
        CANTEEN = "canteen", _("Restauration scolaire")
        MORNING_CARE = "morning_care", _("Garderie matin")
        EVENING_CARE = "evening_care", _("Garderie soir")
        STUDY = "study", _("Étude")
        WEDNESDAY_MORNING = "alsh_wednesday_morning", _("ALSH mercredi matin")
        WEDNESDAY_AFTERNOON = "alsh_wednesday_afternoon", _("ALSH mercredi après-midi")
        WEDNESDAY_DAY = "alsh_wednesday_day", _("ALSH mercredi journée")
        HOLIDAY_MORNING = "alsh_holiday_morning", _("ALSH vacances matin")
        HOLIDAY_AFTERNOON = "alsh_holiday_afternoon", _("ALSH vacances après-midi")
        HOLIDAY_DAY = "alsh_holiday_day", _("ALSH vacances journée")
        CRECHE = "creche", _("Crèche")

    class Unit(models.TextChoices):
        MEAL = "meal", _("repas")
        SESSION = "session", _("séance")
        HALF_DAY = "half_day", _("demi-journée")
        DAY = "day", _("journée")
        HOUR = "hour", _("heure")

    class ValidationMode(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatique")
        STAFF = "staff", _("Validation par le service")

    class LatePolicy(models.TextChoices):
        REFUSE = "refuse", _("Refuser")
        REQUEST = "request", _("Accepter comme demande à valider (avec majoration)")
        SURCHARGE = "surcharge", _("Accepter avec majoration de retard")

    name = models.CharField(_("nom"), max_length=150)
    category = models.CharField(_("catégorie"), max_length=32, choices=Category.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="activities"
    )
    unit = models.CharField(_("unité"), max_length=10, choices=Unit.choices, default=Unit.DAY)
    capacity = models.PositiveIntegerField(
        _("places par jour"), null=True, blank=True, help_text=_("Vide : sans limite.")
    )
    validation_mode = models.CharField(
        _("validation des réservations"),
        max_length=10,
        choices=ValidationMode.choices,
        default=ValidationMode.AUTOMATIC,
    )
    absence_validation_mode = models.CharField(
        _("validation des absences justifiées"),
        max_length=10,
        choices=ValidationMode.choices,
        default=ValidationMode.STAFF,
        help_text=_("Une absence justifiée après le délai est vérifiée par le service."),
    )
    booking_rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("délai de réservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancellation_rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("délai d'annulation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late_policy = models.CharField(
        _("après le délai"), max_length=10, choices=LatePolicy.choices, default=LatePolicy.REFUSE
    )
    carence_days = models.PositiveSmallIntegerField(
        _("jours de carence"),
        default=0,
        help_text=_("Premiers jours d'une absence pour maladie facturés malgré le justificatif."),
    )
    min_age_months = models.PositiveSmallIntegerField(
        _("âge minimum (mois)"), null=True, blank=True
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("âge maximum (mois)"), null=True, blank=True
    )
    class_levels: models.JSONField[Any, Any] = models.JSONField(
        _("niveaux admis"), default=list, blank=True, help_text=_("Vide : tous les niveaux.")
    )
    weekdays: models.JSONField[Any, Any] = models.JSONField(
        _("jours de fonctionnement"),
        default=list,
        help_text=_("Liste de jours (0 = lundi … 6 = dimanche)."),
    )
    day_kinds: models.JSONField[Any, Any] = models.JSONField(
        _("types de jours"),
        default=list,
        help_text=_("Parmi school_day, no_school, school_holiday."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="activity_unique_name_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.site}"

    @property
    def counted_in_hours(self) -> bool:
        """Tell whether bookings carry arrival and departure times (crèche)."""
        return self.unit == self.Unit.HOUR

    def runs_on(self, day: date, kind: str) -> bool:
        """Tell whether the activity runs on a calendar day of the given kind."""
        return day.weekday() in self.weekdays and kind in self.day_kinds

    def clean(self) -> None:
        """Check the configuration lists hold known values."""
        if not all(isinstance(w, int) and 0 <= w <= 6 for w in self.weekdays):
            raise ValidationError(
                {"weekdays": _("Jours attendus entre 0 (lundi) et 6 (dimanche).")}
            )
        allowed = {DayKind.SCHOOL_DAY, DayKind.NO_SCHOOL, DayKind.SCHOOL_HOLIDAY}
        if not set(self.day_kinds) <= set(allowed):
            raise ValidationError(
                {"day_kinds": _("Types de jours attendus : school_day, no_school, school_holiday.")}
            )


class BookingWindow(models.Model):
    """When bookings for a period open and close (holiday ALSH), residents possibly first."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.CASCADE, related_name="windows"
    )
    first_day = models.DateField(_("premier jour concerné"))
    last_day = models.DateField(_("dernier jour concerné"))
    opens_at = models.DateTimeField(_("ouverture"), null=True, blank=True)
    closes_at = models.DateTimeField(_("clôture"), null=True, blank=True)
    non_resident_opens_at = models.DateTimeField(
        _("ouverture pour les non-résidents"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("période de réservation")
        verbose_name_plural = _("périodes de réservation")
        ordering = ["activity", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="window_last_day_after_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} : {self.first_day:%d/%m/%Y} – {self.last_day:%d/%m/%Y}"

    def as_window(self) -> rules.BookingWindow:
        """Return the pure window this row configures."""
        return rules.BookingWindow(
            first_day=self.first_day,
            last_day=self.last_day,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            non_resident_opens_at=self.non_resident_opens_at,
        )


class Closure(models.Model):
    """A fermeture of an activity or a whole site for a day or a range of days."""

    class Reason(models.TextChoices):
        PUBLIC_HOLIDAY = "public_holiday", _("Jour férié")
        STRIKE = "strike", _("Grève")
        OUTING = "outing", _("Sortie scolaire")
        OTHER = "other", _("Autre")

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activité"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("précision"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="closure_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(activity__isnull=False, site__isnull=True)
                    | models.Q(activity__isnull=True, site__isnull=False)
                ),
                name="closure_activity_xor_site",
            ),
        ]

    def __str__(self) -> str:
        target = self.activity or self.site
        return f"{target} : {self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"
