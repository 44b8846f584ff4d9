"""Back-office: the kitchen headcount (effectifs cuisine) per day and per week, screen and CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backoffice.forms.fields import DayForm
from backoffice.permissions import Capability, agent, staff_view
from bookings.queries.headcount import (
    DIETS,
    SchoolDay,
    day_headcount,
    neighbour_school_days,
    next_school_day,
    week_headcount,
)
from bookings.rules import WEEKDAY_NAMES, format_day

# Columns after the diets: booked, PAI, packed, to prepare, to confirm.
FIGURE_COLUMNS = len(DIETS) + 5


@staff_view(Capability.HEADCOUNT)
@require_GET
def headcount(request: HttpRequest) -> HttpResponse:
    """Meals booked per school on one day, with the kitchen's total."""
    # An empty day means the next school day.
    form = DayForm(request.GET or None, required=False)
    if form.is_bound and not form.is_valid():
        invalid = {"form": form, "figure_columns": FIGURE_COLUMNS}
        return render(request, "backoffice/headcount/day.html", invalid, status=400)
    chosen = form.cleaned_data.get("jour") if form.is_bound else None
    day = chosen or next_school_day(timezone.localdate())
    if not form.is_bound or chosen is None:
        form = DayForm(initial={"jour": day}, required=False)
    previous_day, next_day = neighbour_school_days(day)
    context: dict[str, Any] = {
        "form": form,
        "headcount": day_headcount(agent(request), day),
        "day_label": format_day(day),
        "previous_day": previous_day,
        "next_day": next_day,
        "figure_columns": FIGURE_COLUMNS,
    }
    return render(request, "backoffice/headcount/day.html", context)


@staff_view(Capability.HEADCOUNT)
@require_GET
def headcount_week(request: HttpRequest, day: date) -> HttpResponse:
    """Monday to Friday per school, with the kitchen's daily totals."""
    week = week_headcount(agent(request), day)
    context = {
        "week": week,
        "monday_label": format_day(week.monday),
        "friday_label": format_day(week.friday),
        "figure_columns": FIGURE_COLUMNS,
    }
    return render(request, "backoffice/headcount/week.html", context)


@staff_view(Capability.HEADCOUNT)
@require_GET
def headcount_csv(request: HttpRequest, day: date) -> HttpResponse:
    """The day's figures as a CSV file for Excel (one line per school)."""
    headcount = day_headcount(agent(request), day)
    return _csv_response(f"effectifs-cuisine-{day.isoformat()}.csv", headcount.rows)


@staff_view(Capability.HEADCOUNT)
@require_GET
def headcount_week_csv(request: HttpRequest, day: date) -> HttpResponse:
    """The week's figures as a CSV file for Excel (one line per school and day)."""
    week = week_headcount(agent(request), day)
    rows = [row for school in week.schools for row in school.days]
    return _csv_response(f"effectifs-cuisine-semaine-{week.monday.isoformat()}.csv", rows)


def csv_header() -> list[str]:
    """Return the French column titles of the headcount CSV."""
    return [
        _("Date"),
        _("Jour"),
        _("École"),
        *[label for _value, label in DIETS],
        _("Repas réservés"),
        _("dont PAI"),
        _("Panier-repas fourni"),
        _("Repas à préparer"),
        _("Absences à confirmer"),
        _("Remarque"),
    ]


def _csv_response(filename: str, rows: Iterable[SchoolDay]) -> HttpResponse:
    """Write rows as `;`-separated UTF-8 with a byte-order mark, as French Excel expects."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_header())
    for row in rows:
        counts = row.counts
        writer.writerow(
            [
                row.day.strftime("%d/%m/%Y"),
                str(WEEKDAY_NAMES[row.day.weekday()]),
                row.site.name,
                *counts.by_diet,
                counts.meals,
                counts.pai,
                counts.packed,
                counts.to_prepare,
                counts.to_confirm,
                row.no_service,
            ]
        )
    return response


urlpatterns = [
    path("cuisine/", headcount, name="headcount"),
    path("cuisine/<isodate:day>/export.csv", headcount_csv, name="headcount_csv"),
    path("cuisine/semaine/<isodate:day>/", headcount_week, name="headcount_week"),
    path(
        "cuisine/semaine/<isodate:day>/export.csv",
        headcount_week_csv,
        name="headcount_week_csv",
    ),
]
