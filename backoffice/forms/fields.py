"""Widgets and fields shared by the back-office forms."""

from __future__ import annotations

from typing import Any

from django import forms

from catalog.models import Activity


class DateInput(forms.DateInput):
    """A native date picker (the value is ISO, as the browser sends it)."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ActivityChoiceField(forms.ModelChoiceField):
    """Activities named with their site, as agents know them."""

    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Activity)
        return f"{obj.name} — {obj.site.name}"
