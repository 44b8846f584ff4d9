"""Widgets and fields shared by the back-office forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.parsing import within_years
from catalog.models import Activity


class DateInput(forms.DateInput):
    """A native date picker (the value is ISO, as the browser sends it)."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DayInput(forms.DateInput):
    """A day typed the French way (jj/mm/aaaa), for pages where a tap on a tablet is faster."""

    def __init__(self) -> None:
        super().__init__(
            format="%d/%m/%Y",
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": "10"},
        )


class DayForm(forms.Form):
    """The day a page shows (GET form, ?jour=), as jj/mm/aaaa or ISO (date pickers, links).

    `required=False` lets an empty day mean the page's default; `typed=True` shows a text
    input in the French format instead of the browser's date picker.
    """

    jour = forms.DateField(
        label=_("Jour"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=DateInput(),
        error_messages={
            "invalid": _(
                "Date non reconnue : écrivez le jour sous la forme jj/mm/aaaa, "
                "par exemple 02/04/2026."
            )
        },
    )

    def __init__(
        self, *args: Any, required: bool = True, typed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jour"]
        if typed:
            field.widget = DayInput()
        field.required = field.widget.is_required = required

    def clean_jour(self) -> date | None:
        day = self.cleaned_data.get("jour")
        if day is not None and within_years(day) is None:
            raise forms.ValidationError(_("Choisissez un jour entre 2000 et 2100."))
        return day


class ActivityChoiceField(forms.ModelChoiceField):
    """Activities named with their site, as agents know them."""

    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Activity)
        return f"{obj.name} — {obj.site.name}"
