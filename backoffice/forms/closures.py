"""The closure form: an activity or a site of the agent's scope, the days, the reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from backoffice.forms.fields import ActivityChoiceField, DateInput
from backoffice.permissions import activities_for, sites_for
from bookings.queries.closures import closable_sites
from bookings.rules import format_day
from catalog.models import Activity, CalendarDay, Closure, SchoolYear, Site


def closable_sites_for(user: User) -> Any:
    """Return the sites `user` may close (every activity of the site in their scope)."""
    return closable_sites(sites_for(user), activities_for(user))


class ClosureForm(forms.Form):
    """Close one activity or one whole site, for a day or a range of days."""

    activity = ActivityChoiceField(
        label=gettext_lazy("Activité à fermer"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Aucune —"),
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Ou site à fermer entièrement"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Aucun —"),
        help_text=gettext_lazy("Fermer un site ferme toutes ses activités."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Du"),
        widget=DateInput(),
        error_messages={"required": gettext_lazy("Indiquez le premier jour de la fermeture.")},
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Au (inclus)"),
        widget=DateInput(),
        required=False,
        help_text=gettext_lazy("Laissez vide pour fermer un seul jour."),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Motif"),
        choices=[("", gettext_lazy("— Choisissez —")), *Closure.Reason.choices],
        error_messages={"required": gettext_lazy("Choisissez le motif de la fermeture.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Précision (écrite aux familles)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Ex. « Grève des animateurs ». 200 caractères au plus."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities_for(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = closable_sites_for(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        activity, site = data.get("activity"), data.get("site")
        if activity is None and site is None and not self.has_error("activity"):
            self.add_error(
                "activity",
                _("Choisissez l'activité à fermer, ou le site à fermer entièrement."),
            )
        if activity is not None and site is not None:
            self.add_error(
                "site",
                _(
                    "Choisissez soit l'activité « %(activity)s », soit le site « %(site)s », "
                    "pas les deux : fermer le site ferme déjà toutes ses activités."
                )
                % {"activity": activity.name, "site": site.name},
            )
        starts_on: date | None = data.get("starts_on")
        if starts_on is None:
            return data
        ends_on: date = data.get("ends_on") or starts_on
        data["ends_on"] = ends_on
        if ends_on < starts_on:
            self.add_error(
                "ends_on",
                _(
                    "La fermeture finirait le %(end)s, avant son premier jour le %(start)s : "
                    "corrigez la date de fin."
                )
                % {"end": format_day(ends_on), "start": format_day(starts_on)},
            )
            return data
        self._check_school_year(starts_on, ends_on)
        return data

    def _check_school_year(self, starts_on: date, ends_on: date) -> None:
        """Every closed day must be a day of a school year (bookings live nowhere else)."""
        years = list(SchoolYear.objects.order_by("starts_on"))
        for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
            if not any(y.starts_on <= day <= y.ends_on for y in years):
                self.add_error(name, _outside_message(day, years))
                return
        expected = (ends_on - starts_on).days + 1
        known = CalendarDay.objects.filter(date__gte=starts_on, date__lte=ends_on).count()
        if known != expected:
            self.add_error(
                "ends_on",
                _(
                    "Des jours entre le %(start)s et le %(end)s sont hors de toute année "
                    "scolaire : fermez chaque année scolaire séparément."
                )
                % {"start": format_day(starts_on), "end": format_day(ends_on)},
            )


def _outside_message(day: date, years: list[SchoolYear]) -> str:
    if not years:
        return _(
            "Le %(day)s est en dehors de l'année scolaire : aucune année scolaire n'est ouverte."
        ) % {"day": format_day(day)}
    spans = ", ".join(
        _("%(label)s du %(start)s au %(end)s")
        % {"label": y.label, "start": format_day(y.starts_on), "end": format_day(y.ends_on)}
        for y in years
    )
    return _(
        "Le %(day)s est en dehors de l'année scolaire (%(spans)s) : choisissez un jour de "
        "l'année scolaire."
    ) % {"day": format_day(day), "spans": spans}
