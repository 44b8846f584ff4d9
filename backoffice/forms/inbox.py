"""Forms of the request inbox: filters, decisions (one or many), a refusal with its reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from backoffice.forms.fields import ActivityChoiceField, DateInput
from backoffice.permissions import activities_for, sites_for
from bookings.models import BookingState
from bookings.queries.inbox import KIND_LABELS, InboxFilters
from catalog.models import Activity, Site

S = BookingState
REASON_REQUIRED = _("Indiquez le motif du refus : il sera communiqué à la famille.")


class InboxFilterForm(forms.Form):
    """Narrow the inbox; every field is optional (GET form)."""

    activity = ActivityChoiceField(
        label=_("Activité"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("Toutes"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("Tous")
    )
    day_from = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    day_to = forms.DateField(label=_("Au"), required=False, widget=DateInput())
    family = forms.CharField(
        label=_("Famille (identifiant ou nom)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Tous")), *((str(state), label) for state, label in KIND_LABELS.items())],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities_for(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_for(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day_from, day_to = data.get("day_from"), data.get("day_to")
        if day_from and day_to and day_to < day_from:
            self.add_error(
                "day_to",
                _("La date de fin (%(end)s) précède la date de début (%(start)s).")
                % {"end": day_to.strftime("%d/%m/%Y"), "start": day_from.strftime("%d/%m/%Y")},
            )
        return data

    def filters(self) -> InboxFilters:
        """Return the filters that passed validation (a wrong one is ignored, and shown)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        activity = data.get("activity")
        site = data.get("site")
        return InboxFilters(
            activity_id=activity.pk if activity else None,
            site_id=site.pk if site else None,
            day_from=data.get("day_from"),
            day_to=data.get("day_to"),
            family=data.get("family") or "",
            kind=data.get("kind") or "",
        )


class BookingIdsField(forms.Field):
    """The ids of the ticked requests (several checkboxes with the same name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Cochez au moins une demande dans la liste."),
        "invalid": _("La sélection n'est pas valide : rechargez la page et recommencez."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return list(dict.fromkeys(ids))


class DecisionForm(forms.Form):
    """Accept or refuse the ticked requests; a refusal needs its reason."""

    APPROVE = "approve"
    REFUSE = "refuse"

    bookings = BookingIdsField()
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(APPROVE, _("Accepter")), (REFUSE, _("Refuser"))],
        error_messages={"required": _("Choisissez d'accepter ou de refuser.")},
    )
    reason = forms.CharField(
        label=_("Motif du refus (communiqué à la famille)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", REASON_REQUIRED)
        return data


class RefusalForm(forms.Form):
    """Refuse one request with its reason."""

    reason = forms.CharField(
        label=_("Motif du refus (communiqué à la famille)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": REASON_REQUIRED},
    )
