"""Enrolments, weekly patterns, crèche contracts, bookings and the capacity counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AbsenceReason(models.Model):
    """A reason a family can give for an absence; configurable per commune."""

    label = models.CharField(_("libellé"), max_length=100, unique=True)
    is_justified = models.BooleanField(
        _("justifie l'absence"),
        default=False,
        help_text=_(
            "Après le délai, l'absence est excusée (non facturée) au lieu d'être facturée."
        ),
    )
    requires_proof = models.BooleanField(_("justificatif exigé"), default=False)
    applies_carence = models.BooleanField(
        _("soumis aux jours de carence"),
        default=False,
        help_text=_("Les premiers jours (carence de l'activité) restent facturés."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("proposé aux familles"), default=True)

    class Meta:
        verbose_name = _("motif d'absence")
        verbose_name_plural = _("motifs d'absence")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Enrolment(models.Model):
    """An inscription: a child may be booked for an activity during a school year."""

    child = models.ForeignKey(
        "families.Child",
        verbose_name=_("enfant"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    activity = models.ForeignKey(
        "catalog.Activity",
        verbose_name=_("activité"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    school_year = models.ForeignKey(
        "catalog.SchoolYear",
        verbose_name=_("année scolaire"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    payer = models.ForeignKey(
        "families.Guardian",
        verbose_name=_("responsable payeur"),
        on_delete=models.PROTECT,
        related_name="paid_enrolments",
    )
    starts_on = models.DateField(_("à partir du"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    weekly_contract_hours = models.DecimalField(
        _("heures hebdomadaires du contrat"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Crèche : total des heures du contrat, détaillé par jour ci-dessous."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["school_year", "child", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "activity", "school_year"], name="enrolment_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} — {self.activity.name} ({self.school_year})"


class WeeklyPattern(models.Model):
    """A semaine type (« Régulier »): the weekdays booked every week over a period."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("inscription"), on_delete=models.CASCADE, related_name="patterns"
    )
    weekdays = models.JSONField(_("jours"), default=list)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("semaine type")
        verbose_name_plural = _("semaines types")
        ordering = ["enrolment", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="pattern_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} : {self.weekdays}"


class ContractDay(models.Model):
    """One weekday of a crèche contract: planned arrival and departure."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("inscription"), on_delete=models.CASCADE, related_name="contract"
    )
    weekday = models.PositiveSmallIntegerField(_("jour (0 = lundi)"))
    arrival = models.TimeField(_("arrivée"))
    departure = models.TimeField(_("départ"))

    class Meta:
        verbose_name = _("jour du contrat")
        verbose_name_plural = _("contrat d'accueil")
        ordering = ["enrolment", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "weekday"], name="contract_day_unique"),
            models.CheckConstraint(
                condition=models.Q(departure__gt=models.F("arrival")),
                name="contract_departure_after_arrival",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="contract_weekday_in_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.arrival:%H:%M}-{self.departure:%H:%M}"


class Slot(models.Model):
    """The capacity counter of one activity on one day; the database refuses overbooking."""

    activity = models.ForeignKey(
        "catalog.Activity",
        verbose_name=_("activité"),
        on_delete=models.CASCADE,
        related_name="slots",
    )
    day = models.ForeignKey(
        "catalog.CalendarDay", verbose_name=_("jour"), on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    taken = models.PositiveIntegerField(_("places prises"), default=0)

    class Meta:
        verbose_name = _("places du jour")
        verbose_name_plural = _("places par jour")
        constraints = [
            models.UniqueConstraint(fields=["activity", "day"], name="slot_unique_per_day"),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(taken__lte=models.F("capacity")),
                name="slot_never_overbooked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.day_id}: {self.taken}/{self.capacity or '∞'}"


class BookingState(models.TextChoices):
    """What was asked and decided for a child on a day (design.md)."""

    REQUESTED = "requested", _("Demande en attente")
    WAITING_LIST = "waiting_list", _("Liste d'attente")
    RESERVED = "reserved", _("Réservé")
    REFUSED = "refused", _("Réservation refusée")
    ABSENCE_REQUESTED = "absence_requested", _("Absence en cours de traitement")
    ABSENT_EXCUSED = "absent_excused", _("Absent excusé")
    ABSENT_BILLED = "absent_billed", _("Absent facturé")
    CANCELLED = "cancelled", _("Annulé")
    LEAVE = "leave", _("Congé")


class Presence(models.TextChoices):
    """What staff recorded at the pointage."""

    UNKNOWN = "unknown", _("Non pointé")
    PRESENT = "present", _("Présent")
    ABSENT = "absent", _("Absent")


class BookingSource(models.TextChoices):
    """Who or what created the booking."""

    FAMILY = "family", _("Famille")
    STAFF = "staff", _("Service")
    PATTERN = "pattern", _("Semaine type")
    WALK_IN = "walk_in", _("Présent sans réservation")


class Booking(models.Model):
    """One child × activity × day: the single row the grid, attendance and billing read."""

    child = models.ForeignKey(
        "families.Child",
        verbose_name=_("enfant"),
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    activity = models.ForeignKey(
        "catalog.Activity",
        verbose_name=_("activité"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("inscription"), on_delete=models.PROTECT, related_name="bookings"
    )
    day = models.ForeignKey(
        "catalog.CalendarDay",
        verbose_name=_("jour"),
        on_delete=models.PROTECT,
        related_name="bookings",
        db_column="day",
    )
    state = models.CharField(_("état"), max_length=20, choices=BookingState.choices)
    presence = models.CharField(
        _("présence"), max_length=10, choices=Presence.choices, default=Presence.UNKNOWN
    )
    source = models.CharField(_("origine"), max_length=10, choices=BookingSource.choices)
    is_late = models.BooleanField(
        _("hors délai (majoration)"),
        default=False,
        help_text=_("Réservé après le délai : la facturation applique la majoration de retard."),
    )
    waitlisted_at = models.DateTimeField(_("en liste d'attente depuis"), null=True, blank=True)
    absence_reason = models.ForeignKey(
        AbsenceReason,
        verbose_name=_("motif d'absence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    absence_note = models.CharField(_("précision sur l'absence"), max_length=500, blank=True)
    absence_proof = models.FileField(_("justificatif"), upload_to="absences/%Y/%m/", blank=True)
    decision_note = models.CharField(_("motif de la décision"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closure = models.ForeignKey(
        "catalog.Closure",
        verbose_name=_("annulée par la fermeture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_bookings",
        help_text=_("La fermeture qui a annulé ce jour sans frais."),
    )
    planned_arrival = models.TimeField(_("arrivée prévue"), null=True, blank=True)
    planned_departure = models.TimeField(_("départ prévu"), null=True, blank=True)
    arrived_at = models.TimeField(_("arrivée réelle"), null=True, blank=True)
    departed_at = models.TimeField(_("départ réel"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["day", "child", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "activity", "day"], name="booking_unique_child_activity_day"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=BookingState.values), name="booking_state_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="waiting_list") | models.Q(waitlisted_at__isnull=False),
                name="booking_waiting_list_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "day", "state"], name="booking_activity_day_state"),
            models.Index(fields=["child", "day"], name="booking_child_day"),
        ]

    def __str__(self) -> str:
        return f"{self.child} — {self.activity.name} — {self.day_id}"


class AttendanceSheet(models.Model):
    """A pointage marked complete by an agent: one per activity and day."""

    activity = models.ForeignKey(
        "catalog.Activity",
        verbose_name=_("activité"),
        on_delete=models.PROTECT,
        related_name="attendance_sheets",
    )
    day = models.ForeignKey(
        "catalog.CalendarDay",
        verbose_name=_("jour"),
        on_delete=models.PROTECT,
        related_name="+",
        db_column="day",
    )
    completed_at = models.DateTimeField(_("terminée le"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("terminée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("feuille de pointage")
        verbose_name_plural = _("feuilles de pointage")
        ordering = ["-day", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "day"], name="attendance_sheet_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.day_id}"
