"""Back-office: the pointage — the day's sheets, one sheet, marks, walk-ins, completion.

Each tap posts the value to set (« Présent » or « Absent »), never a toggle, so a replayed
request from a flaky tablet changes nothing. With htmx the row is swapped in place; without
JavaScript the form posts and the page comes back at the child's row.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.forms.attendance import MarkForm, WalkInForm
from backoffice.forms.fields import DayForm
from backoffice.permissions import Capability, activities_for, activity_or_404, agent, staff_view
from bookings.exceptions import BookingError
from bookings.models import Booking, Presence
from bookings.queries.attendance import (
    Sheet,
    attendance_day,
    attendance_refusal,
    attendance_sheet,
    sheet_counts,
    sheet_row,
)
from bookings.services.attendance import (
    complete_attendance_sheet,
    record_presence,
    record_walk_in,
)
from catalog.models import Activity
from families.models import Child


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@staff_view(Capability.ATTENDANCE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List the day's sheets of the agent's activities, grouped by site."""
    today = timezone.localdate()
    day, status = today, 200
    form = (
        DayForm(request.GET, typed=True)
        if "jour" in request.GET
        else DayForm(initial={"jour": today}, typed=True)
    )
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data["jour"]
            form = DayForm(initial={"jour": day}, typed=True)  # shown back the French way
        else:
            status = 400
    overview = attendance_day(activities_for(agent(request)), day, today)
    return render(
        request,
        "backoffice/attendance/index.html",
        {"form": form, "overview": overview},
        status=status,
    )


def _sheet_url(activity: Activity, day: date) -> str:
    return reverse("backoffice:attendance_sheet", args=[activity.pk, day])


def _mark_url(activity: Activity, day: date) -> str:
    return reverse("backoffice:attendance_mark", args=[activity.pk, day])


def _render_sheet(
    request: HttpRequest,
    activity: Activity,
    day: date,
    *,
    sheet: Sheet | None = None,
    walk_in_form: WalkInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sheet = sheet or attendance_sheet(activity, day, timezone.localdate())
    return render(
        request,
        "backoffice/attendance/sheet.html",
        {
            "activity": activity,
            "day": day,
            "sheet": sheet,
            "counts": sheet.counts,
            "is_open": sheet.is_open,
            "mark_url": _mark_url(activity, day),
            "walk_in_form": walk_in_form or WalkInForm(candidates=sheet.candidates),
        },
        status=status,
    )


@staff_view(Capability.ATTENDANCE)
@require_GET
def sheet(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Show an activity's sheet for a day: expected children, marks, absences, walk-ins."""
    activity = activity_or_404(agent(request), activity_id)
    return _render_sheet(request, activity, day)


@staff_view(Capability.ATTENDANCE)
@require_POST
def mark(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Set one booked child present or absent (idempotent)."""
    user = agent(request)
    activity = activity_or_404(user, activity_id)
    form = MarkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _render_sheet(request, activity, day, status=400)
    booking = get_object_or_404(
        Booking.objects.select_related("child"),
        pk=form.cleaned_data["booking"],
        activity=activity,
        day_id=day,
    )
    presence = form.cleaned_data["presence"]
    is_open = True
    try:
        record_presence(booking=booking, presence=presence, by=user)
    except BookingError as exc:
        messages.error(request, exc.message)
        is_open = not attendance_refusal(activity, day, timezone.localdate())
    else:
        messages.success(
            request,
            _("%(child)s : %(presence)s.")
            % {
                "child": str(booking.child),
                "presence": str(Presence(presence).label).lower(),
            },
        )
    if _is_htmx(request):
        return render(
            request,
            "backoffice/attendance/_mark_response.html",
            {
                "activity": activity,
                "day": day,
                "row": sheet_row(activity, day, booking.pk),
                "counts": sheet_counts(activity, day),
                "is_open": is_open,
                "mark_url": _mark_url(activity, day),
            },
        )
    return redirect(f"{_sheet_url(activity, day)}#enfant-{booking.pk}")


@staff_view(Capability.ATTENDANCE)
@require_POST
def walk_in(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Record an enrolled child present without booking (flagged for the surcharge)."""
    user = agent(request)
    activity = activity_or_404(user, activity_id)
    current = attendance_sheet(activity, day, timezone.localdate())
    if current.refusal:
        messages.error(request, current.refusal)
        return redirect(_sheet_url(activity, day))
    form = WalkInForm(request.POST, candidates=current.candidates)
    if not form.is_valid():
        return _render_sheet(request, activity, day, sheet=current, walk_in_form=form, status=400)
    child = get_object_or_404(Child, pk=form.cleaned_data["child"])
    try:
        booking = record_walk_in(child=child, activity=activity, day=day, by=user)
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect(f"{_sheet_url(activity, day)}#sans-reservation")
    messages.success(
        request,
        _("%(child)s est ajouté présent sans réservation : la majoration s'appliquera.")
        % {"child": str(child)},
    )
    return redirect(f"{_sheet_url(activity, day)}#enfant-{booking.pk}")


@staff_view(Capability.ATTENDANCE)
@require_POST
def complete(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Mark the sheet complete, or say which children are not marked yet."""
    user = agent(request)
    activity = activity_or_404(user, activity_id)
    try:
        complete_attendance_sheet(activity=activity, day=day, by=user)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("La feuille de pointage est terminée."))
    return redirect(_sheet_url(activity, day))


urlpatterns = [
    path("pointage/", index, name="attendance"),
    path("pointage/<int:activity_id>/<isodate:day>/", sheet, name="attendance_sheet"),
    path("pointage/<int:activity_id>/<isodate:day>/marquer/", mark, name="attendance_mark"),
    path(
        "pointage/<int:activity_id>/<isodate:day>/sans-reservation/",
        walk_in,
        name="attendance_walk_in",
    ),
    path(
        "pointage/<int:activity_id>/<isodate:day>/terminer/",
        complete,
        name="attendance_complete",
    ),
]
