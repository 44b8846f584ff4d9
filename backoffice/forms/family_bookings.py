"""Forms of the counter: enrol a child, end an enrolment, record a QF, book on behalf."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.forms.fields import ActivityChoiceField, DateInput
from bookings.models import AbsenceReason, Enrolment
from bookings.queries import Action
from bookings.queries.enrolments import weekday_names
from bookings.rules import WEEKDAY_NAMES
from catalog.models import Activity, SchoolYear
from families.models import Family, FamilyQuotient, Guardian
from families.quotients import MAX_QUOTIENT

# Longest period booked in one go at the counter: a school year.
MAX_PERIOD = timedelta(days=366)


def weekday_choices(activities: list[Activity]) -> list[tuple[int, str]]:
    """Return the weekdays on which at least one of the activities runs."""
    days = sorted({w for activity in activities for w in activity.weekdays if 0 <= w <= 6})
    return [(w, str(WEEKDAY_NAMES[w]).capitalize()) for w in days]


def _check_upload_size(form: forms.Form, name: str) -> None:
    upload = form.cleaned_data.get(name)
    if upload is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        form.add_error(
            name,
            _("Le justificatif dépasse %(mb)s Mo : envoyez un fichier plus léger.")
            % {"mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)},
        )


def _check_order(form: forms.Form, first: str, last: str, message: str) -> None:
    starts_on, ends_on = form.cleaned_data.get(first), form.cleaned_data.get(last)
    if isinstance(starts_on, date) and isinstance(ends_on, date) and ends_on < starts_on:
        form.add_error(last, message)


class GuardianChoiceField(forms.ModelChoiceField):
    """A guardian by full name, the payer marked."""

    def label_from_instance(self, obj: Any) -> str:
        if obj.is_payer:
            return _("%(name)s (payeur habituel)") % {"name": obj.full_name}
        return str(obj.full_name)


class EnrolmentForm(forms.Form):
    """Enrol a child of the family, optionally with a weekly pattern applied at once."""

    child: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Enfant"), queryset=None, empty_label=gettext_lazy("— choisir —")
    )
    activity = ActivityChoiceField(
        label=gettext_lazy("Activité"), queryset=None, empty_label=gettext_lazy("— choisir —")
    )
    school_year: forms.ModelChoiceField[SchoolYear] = forms.ModelChoiceField(
        label=gettext_lazy("Année scolaire"), queryset=None, empty_label=None
    )
    payer = GuardianChoiceField(
        label=gettext_lazy("Responsable payeur"),
        queryset=None,
        empty_label=gettext_lazy("— choisir —"),
        help_text=gettext_lazy("Les factures de cette activité lui seront adressées."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("À partir du (facultatif)"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Vide : dès le début de l'année scolaire."),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Jusqu'au (facultatif)"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Vide : jusqu'à la fin de l'année scolaire."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Semaine type (facultatif) : réserver chaque semaine le"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Réserve aussitôt ces jours de la semaine, d'aujourd'hui à la fin de l'inscription."
        ),
    )

    def __init__(
        self,
        *args: Any,
        family: Family,
        activities: QuerySet[Activity],
        school_years: QuerySet[SchoolYear],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["child"].queryset = family.children.order_by("birth_date")
        fields["activity"].queryset = activities
        fields["school_year"].queryset = school_years
        fields["payer"].queryset = Guardian.objects.filter(family=family).order_by(
            "-is_payer", "last_name", "first_name"
        )
        fields["weekdays"].choices = weekday_choices(list(activities))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_order(
            self, "starts_on", "ends_on", _("La date de fin doit suivre la date de début.")
        )
        activity, weekdays = data.get("activity"), data.get("weekdays") or []
        if isinstance(activity, Activity):
            wrong = [w for w in weekdays if w not in activity.weekdays]
            if wrong:
                self.add_error(
                    "weekdays",
                    _(
                        "L'activité %(activity)s n'a pas lieu le %(wrong)s : elle a lieu le "
                        "%(days)s."
                    )
                    % {
                        "activity": activity.name,
                        "wrong": weekday_names(wrong),
                        "days": weekday_names(activity.weekdays),
                    },
                )
        return data


class EndEnrolmentForm(forms.Form):
    """End an enrolment earlier than planned."""

    ends_on = forms.DateField(
        label=gettext_lazy("Dernier jour de l'inscription"),
        widget=DateInput(),
        error_messages={"required": gettext_lazy("Indiquez le dernier jour de l'inscription.")},
    )
    cancel_bookings = forms.BooleanField(
        label=gettext_lazy(
            "Annuler ces jours : annuler sans frais les jours réservés ou demandés après cette date"
        ),
        required=False,
    )


class QuotientForm(forms.Form):
    """A quotient familial from the family's attestation."""

    value = forms.IntegerField(
        label=gettext_lazy("Quotient familial (en euros)"),
        min_value=0,
        max_value=MAX_QUOTIENT,
        error_messages={"required": gettext_lazy("Indiquez la valeur du quotient familial.")},
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=FamilyQuotient.Source.choices,
        initial=FamilyQuotient.Source.CAF,
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valable à partir du"),
        widget=DateInput(),
        help_text=gettext_lazy(
            "Par défaut le 1er du mois prochain : un nouveau QF ne s'applique pas "
            "rétroactivement, sauf décision du service."
        ),
        error_messages={"required": gettext_lazy("Indiquez le début de validité.")},
    )
    valid_to = forms.DateField(
        label=gettext_lazy("Valable jusqu'au (facultatif)"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Vide : jusqu'au prochain quotient enregistré."),
    )
    proof = forms.FileField(
        label=gettext_lazy("Justificatif (attestation) : PDF, JPEG ou PNG, 5 Mo au plus"),
        required=False,
        widget=forms.FileInput,  # no « clear » box: a crafted proof-clear must not reach us
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_order(self, "valid_from", "valid_to", _("La fin de validité doit suivre son début."))
        _check_upload_size(self, "proof")
        return data


# What the agent does for the family on the chosen days: the family's own actions.
OnBehalfAction = Action


class OnBehalfForm(forms.Form):
    """Reserve, declare absent or cancel pending requests over a period, for one enrolment."""

    enrolment = forms.TypedChoiceField(label=gettext_lazy("Activité"), coerce=int)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        widget=forms.RadioSelect,
        initial=OnBehalfAction.RESERVE,
        choices=[
            (OnBehalfAction.RESERVE, gettext_lazy("Réserver")),
            (OnBehalfAction.ABSENCE, gettext_lazy("Déclarer une absence")),
            (OnBehalfAction.CANCEL, gettext_lazy("Annuler une demande en attente")),
        ],
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Du"),
        widget=DateInput(),
        error_messages={"required": gettext_lazy("Indiquez le premier jour de la période.")},
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Au"),
        widget=DateInput(),
        error_messages={"required": gettext_lazy("Indiquez le dernier jour de la période.")},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Jours de la semaine"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Cochez au moins un jour de la semaine.")},
    )
    reason = forms.ModelChoiceField(
        label=gettext_lazy("Motif de l'absence"),
        queryset=AbsenceReason.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("— choisir un motif —"),
    )
    note = forms.CharField(
        label=gettext_lazy("Précision sur l'absence (facultatif)"), max_length=500, required=False
    )
    proof = forms.FileField(
        label=gettext_lazy("Justificatif d'absence (facultatif) : PDF, JPEG ou PNG, 5 Mo au plus"),
        required=False,
        widget=forms.FileInput,  # no « clear » box: a crafted proof-clear must not reach us
    )
    override_deadline = forms.BooleanField(
        label=gettext_lazy("Passer outre le délai"),
        required=False,
        help_text=gettext_lazy(
            "Réservation ou absence après le délai de prévenance, sans majoration ni "
            "facturation de l'absence. Le motif est enregistré dans l'historique."
        ),
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Motif du passage outre le délai"), max_length=500, required=False
    )

    def __init__(self, *args: Any, enrolments: list[Enrolment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["enrolment"].choices = [
            (e.pk, f"{e.activity.name} — {e.activity.site.name} ({e.school_year.label})")
            for e in enrolments
        ]
        fields["weekdays"].choices = weekday_choices([e.activity for e in enrolments])
        fields["weekdays"].initial = [w for w, _label in fields["weekdays"].choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_order(self, "starts_on", "ends_on", _("Le dernier jour doit suivre le premier."))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if (
            isinstance(starts_on, date)
            and isinstance(ends_on, date)
            and ends_on - starts_on > MAX_PERIOD
        ):
            self.add_error("ends_on", _("Choisissez une période d'un an au plus."))
        if data.get("action") == OnBehalfAction.ABSENCE and not data.get("reason"):
            self.add_error("reason", _("Choisissez le motif de l'absence."))
        if data.get("override_deadline"):
            data["override_reason"] = (data.get("override_reason") or "").strip()
            if not data["override_reason"]:
                self.add_error(
                    "override_reason",
                    _(
                        "Indiquez pourquoi vous passez outre le délai : ce motif est enregistré "
                        "dans l'historique de la famille."
                    ),
                )
        _check_upload_size(self, "proof")
        return data

    @property
    def deadline_override(self) -> str:
        """Return the override reason to give the services (empty when not overriding)."""
        if not self.cleaned_data.get("override_deadline"):
            return ""
        return str(self.cleaned_data.get("override_reason", ""))
