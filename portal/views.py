"""Family portal pages: thin views that read through queries and write through services."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.permissions import is_staff_member
from bookings import services
from bookings.exceptions import BookingError
from bookings.legend import Legend
from bookings.models import AbsenceReason, Booking, BookingSource, Enrolment
from bookings.queries import Action, Cell, month_planning, needing_attention, upcoming_bookings
from bookings.rules import describe_rule, format_day
from catalog.models import Activity
from core.uploads import serve_proof
from families.models import Child
from portal.access import child_of_family, family_of, guardian_of
from portal.forms import CellActionForm, WeeklyPatternForm


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the family's children with their next days and what needs attention."""
    if is_staff_member(request.user):
        return redirect("backoffice:dashboard")
    family = family_of(request)
    children = list(family.children.select_related("school").order_by("birth_date"))
    upcoming = upcoming_bookings(children)
    cards = [(child, upcoming.get(child.pk, [])[:6]) for child in children]
    return render(
        request,
        "portal/home.html",
        {
            "family": family,
            "cards": cards,
            "attention": needing_attention(children),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def planning_today(request: HttpRequest, child_id: int) -> HttpResponse:
    """Open a child's planning on the current month."""
    child = child_of_family(request, child_id)
    today = timezone.localdate()
    return redirect("portal:planning", child_id=child.pk, year=today.year, month=today.month)


def _month_or_404(year: int, month: int) -> None:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404


def _render_planning(
    request: HttpRequest,
    child_id: int,
    year: int,
    month: int,
    form: CellActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    child = child_of_family(request, child_id)
    planning = month_planning(child, year, month)
    actionable = [
        cell.key
        for group in planning.groups
        for row in group.rows
        for cell in row.cells
        if cell.actions
    ]
    form = form or CellActionForm(cell_keys=actionable)
    template = "portal/planning/_grid.html" if request.htmx else "portal/planning/month.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "child": child,
            "planning": planning,
            "form": form,
            "legend": [item for item in Legend if item != Legend.EMPTY],
            "selected": set(form["cells"].value() or []),
        },
        status=status,
    )


@login_required
@require_GET
def planning(request: HttpRequest, child_id: int, year: int, month: int) -> HttpResponse:
    """Show a child's month: the grid, its legend, and the actions on selected days."""
    _month_or_404(year, month)
    return _render_planning(request, child_id, year, month)


@login_required
@require_POST
def planning_action(request: HttpRequest, child_id: int, year: int, month: int) -> HttpResponse:
    """Reserve, declare absent or cancel the selected days, then report per day."""
    _month_or_404(year, month)
    child = child_of_family(request, child_id)
    planning = month_planning(child, year, month)
    # Every cell of the child's enrolled activities may be posted: a day that became locked
    # since the page was shown is refused by the services with the rule's exact message.
    cells: dict[str, Cell] = {
        cell.key: cell for group in planning.groups for row in group.rows for cell in row.cells
    }
    form = CellActionForm(request.POST, request.FILES, cell_keys=list(cells))
    if not form.is_valid():
        return _render_planning(request, child_id, year, month, form=form, status=400)
    action = form.cleaned_data["action"]
    chosen = [cells[key] for key in form.cleaned_data["cells"]]
    try:
        results = _apply(request, child, action, chosen, form)
    except BookingError as exc:
        messages.error(request, exc.message)
        results = []
    for result in results:
        messages.add_message(request, services.OUTCOME_LEVELS[result.outcome], result.message)
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps the grid in place; the outcome per day comes with it.
        return _render_planning(request, child_id, year, month)
    return redirect("portal:planning", child_id=child.pk, year=year, month=month)


def _apply(
    request: HttpRequest, child: Child, action: str, cells: list[Cell], form: CellActionForm
) -> list[services.DayResult]:
    user = request.user
    if action == Action.RESERVE:
        return services.request_bookings(
            requests=[services.BookingRequest(child, c.activity, c.day) for c in cells],
            by=user,  # type: ignore[arg-type]
            source=BookingSource.FAMILY,
        )
    results = [_nothing_to_do(child, cell, action) for cell in cells if cell.booking is None]
    bookings = [c.booking for c in cells if c.booking is not None]
    if action == Action.ABSENCE:
        return results + services.declare_absence(
            bookings=bookings,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            proof=form.cleaned_data["proof"],
            by=user,  # type: ignore[arg-type]
        )
    return results + services.cancel_requests(bookings=bookings, by=user)  # type: ignore[arg-type]


def _nothing_to_do(child: Child, cell: Cell, action: str) -> services.DayResult:
    what = (
        _("aucune réservation à déclarer absente")
        if action == Action.ABSENCE
        else _("aucune demande à annuler")
    )
    return services.DayResult(
        child.pk,
        cell.activity.pk,
        cell.day,
        services.Outcome.REFUSED,
        _("%(day)s, %(activity)s : %(what)s.")
        % {"day": format_day(cell.day), "activity": cell.activity.name, "what": what},
    )


@login_required
@require_http_methods(["GET", "POST"])
def weekly_pattern(request: HttpRequest) -> HttpResponse:
    """Book the same weekdays over a period, for one or several children at once."""
    family = family_of(request)
    today = timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(
            child__family=family, school_year__ends_on__gte=today, school_year__starts_on__lte=today
        )
        .exclude(activity__unit=Activity.Unit.HOUR)
        .select_related("child", "activity", "school_year")
        .order_by("child__birth_date", "activity__name")
    )
    choices = [(str(e.pk), f"{e.child.first_name} — {e.activity.name}") for e in enrolments]
    form = WeeklyPatternForm(
        request.POST or None, enrolment_choices=choices, initial={"starts_on": today}
    )
    summaries: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        by_pk = {str(e.pk): e for e in enrolments}
        for pk in form.cleaned_data["enrolments"]:
            enrolment = by_pk[pk]
            try:
                _pattern, results = services.apply_weekly_pattern(
                    enrolment=enrolment,
                    weekdays=form.cleaned_data["weekdays"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except BookingError as exc:
                summaries.append({"enrolment": enrolment, "error": exc.message})
                continue
            counts = Counter(result.outcome for result in results)
            summaries.append(
                {
                    "enrolment": enrolment,
                    "counts": [(services.Outcome(o).label, n) for o, n in counts.most_common()],
                    "problems": [
                        r
                        for r in results
                        if r.outcome in {services.Outcome.REFUSED, services.Outcome.WAITING_LIST}
                    ][:10],
                }
            )
    return render(
        request,
        "portal/weekly_pattern.html",
        {"form": form, "summaries": summaries, "has_enrolments": bool(enrolments)},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_GET
def proof(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Serve an absence proof to its own family only."""
    booking = get_object_or_404(Booking, pk=booking_id, child__family=family_of(request))
    return serve_proof(booking.absence_proof.name)


@login_required
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """Explain inscription vs réservation, each activity's deadlines, absences and billing."""
    guardian_of(request)
    activities = (
        Activity.objects.filter(is_active=True)
        .select_related("site", "booking_rule", "cancellation_rule")
        .order_by("category", "site__name")
    )
    rows = [
        {
            "activity": activity,
            "booking": describe_rule(activity.booking_rule.as_rule())
            if activity.booking_rule
            else _("Sans délai"),
            "cancellation": describe_rule(activity.cancellation_rule.as_rule())
            if activity.cancellation_rule
            else _("Sans délai"),
        }
        for activity in activities
    ]
    return render(
        request,
        "portal/help.html",
        {"rows": rows, "reasons": AbsenceReason.objects.filter(is_active=True)},
    )
