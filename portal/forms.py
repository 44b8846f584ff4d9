"""Forms of the family portal."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bookings.models import AbsenceReason
from bookings.queries import Action

WEEKDAY_CHOICES = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
]


class CellActionForm(forms.Form):
    """An action on the selected cells of a child's month."""

    action = forms.ChoiceField(
        choices=[
            (Action.RESERVE, _("Réserver")),
            (Action.ABSENCE, _("Déclarer une absence")),
            (Action.CANCEL, _("Annuler ma demande")),
        ]
    )
    cells = forms.MultipleChoiceField(
        error_messages={"required": _("Cochez au moins un jour dans le planning.")}
    )
    reason = forms.ModelChoiceField(
        label=_("Motif de l'absence"),
        queryset=AbsenceReason.objects.filter(is_active=True),
        required=False,
        empty_label=_("— choisir un motif —"),
    )
    note = forms.CharField(label=_("Précision (facultatif)"), max_length=500, required=False)
    proof = forms.FileField(
        label=_("Justificatif (facultatif) : PDF, JPEG ou PNG, 5 Mo au plus"),
        required=False,
        widget=forms.FileInput,  # no « clear » box: a crafted proof-clear must not reach us
    )

    def __init__(self, *args: object, cell_keys: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cells"].choices = [(key, key) for key in cell_keys]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == Action.ABSENCE and not data.get("reason"):
            self.add_error("reason", _("Choisissez le motif de l'absence."))
        proof = data.get("proof")
        if proof is not None and proof.size > settings.MAX_UPLOAD_BYTES:
            self.add_error(
                "proof", _("Le justificatif dépasse 5 Mo : envoyez un fichier plus léger.")
            )
        return data


class WeeklyPatternForm(forms.Form):
    """A semaine type for one or several of the family's enrolments."""

    enrolments = forms.MultipleChoiceField(
        label=_("Enfants et activités"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une activité d'un enfant.")},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un jour de la semaine.")},
    )
    starts_on = forms.DateField(
        label=_("À partir du"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Jusqu'au (facultatif)"),
        required=False,
        help_text=_("Vide : jusqu'à la fin de l'année scolaire."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: object, enrolment_choices: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["enrolments"].choices = enrolment_choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if isinstance(starts_on, date) and isinstance(ends_on, date) and ends_on < starts_on:
            self.add_error("ends_on", _("La fin de la période doit suivre son début."))
        return data
