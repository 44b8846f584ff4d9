"""Forms of the pointage: one mark, a child present without booking (the day: fields.DayForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Presence
from bookings.queries.attendance import WalkInCandidate


class MarkForm(forms.Form):
    """One tap: set a booked child present or absent (a value, never a toggle)."""

    booking = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    presence = forms.ChoiceField(
        choices=[
            (Presence.PRESENT, Presence.PRESENT.label),
            (Presence.ABSENT, Presence.ABSENT.label),
        ],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choisissez « Présent » ou « Absent ».")},
    )


class WalkInForm(forms.Form):
    """Add an enrolled child present without booking (billed with the surcharge)."""

    child = forms.TypedChoiceField(
        label=_("Enfant inscrit à l'activité"),
        coerce=int,
        empty_value=None,
        error_messages={
            "required": _("Choisissez l'enfant présent."),
            "invalid_choice": _(
                "Cet enfant n'est pas inscrit à l'activité cette année scolaire, ou il a déjà "
                "une place ce jour-là : il ne peut pas être ajouté."
            ),
        },
    )

    def __init__(self, *args: Any, candidates: list[WalkInCandidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["child"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— Choisir un enfant —"))] + [
            (str(c.child_id), c.label) for c in candidates
        ]
