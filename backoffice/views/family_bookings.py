"""Back-office: enrolments, quotients familiaux and bookings on behalf of a family (counter).

`detail_context` feeds the family page's two sections (`_enrolments.html`, `_quotients.html`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from backoffice.forms.family_bookings import (
    EndEnrolmentForm,
    EnrolmentForm,
    OnBehalfAction,
    OnBehalfForm,
    QuotientForm,
)
from backoffice.parsing import parse_id, parse_month
from backoffice.permissions import Capability, activities_for, agent, can, staff_view
from bookings.exceptions import BookingError
from bookings.models import Booking, BookingSource, BookingState, Enrolment
from bookings.queries.enrolments import (
    activity_month,
    bookings_after_count,
    family_enrolments,
    period_label,
    weekday_names,
)
from bookings.rules import format_day
from bookings.services.absences import declare_absence
from bookings.services.base import OUTCOME_LEVELS, BookingRequest, DayResult, Outcome
from bookings.services.decisions import cancel_requests
from bookings.services.enrolments import end_enrolment, enrol_child
from bookings.services.patterns import apply_weekly_pattern
from bookings.services.requests import request_bookings
from catalog.models import Activity, CalendarDay, DayKind, SchoolYear
from core.uploads import serve_proof
from families.models import Child, Family, FamilyQuotient
from families.quotients import QuotientError, quotient_history, record_quotient

S = BookingState
# A weekly pattern over a year gives many days: show the problems, not every success.
MAX_DETAILED = 15


# ---------------------------------------------------------------------------------------------
# Shared helpers


def family_url(family: Family) -> str:
    """Return the family page."""
    return reverse("backoffice:family_detail", kwargs={"family_id": family.pk})


def _family_or_404(family_id: int) -> Family:
    return get_object_or_404(Family, pk=family_id)


def _scope_ids(user: User) -> QuerySet[Activity, int]:
    return activities_for(user).order_by().values_list("pk", flat=True)


def _open_school_years(today: date) -> QuerySet[SchoolYear]:
    return SchoolYear.objects.filter(ends_on__gte=today).order_by("starts_on")


def _first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def _counts(results: list[DayResult]) -> str:
    counts = Counter(result.outcome for result in results)
    return ", ".join(
        f"{Outcome(outcome).label} : {count}" for outcome, count in counts.most_common()
    )


def _report(request: HttpRequest, results: list[DayResult], *, only_problems: bool) -> None:
    """Add one message per day (or per problem day when there are many)."""
    shown = [
        r
        for r in results
        if not only_problems or r.outcome in {Outcome.REFUSED, Outcome.WAITING_LIST}
    ]
    for result in shown[:MAX_DETAILED]:
        messages.add_message(request, OUTCOME_LEVELS[result.outcome], result.message)
    if len(shown) > MAX_DETAILED:
        messages.info(
            request,
            _("… et %(count)s autres jours : voir le planning de l'enfant.")
            % {"count": len(shown) - MAX_DETAILED},
        )


# ---------------------------------------------------------------------------------------------
# The family page's sections


def detail_context(family: Family, user: User | None = None) -> dict[str, Any]:
    """Return what the family page needs to show enrolments and quotients (constant queries).

    Without `user`, the sections are read-only (no action links).
    """
    can_edit = user is not None and can(user, Capability.FAMILIES_EDIT)
    scope = set(_scope_ids(user)) if user is not None and can_edit else set()
    can_quotient = user is not None and can(user, Capability.QUOTIENT)
    return {
        "enrolment_section": family_enrolments(
            family, editable_activity_ids=scope, can_edit=can_edit
        ),
        "quotient_section": quotient_history(family),
        "can_record_quotient": can_quotient,
        "can_view_quotient_proof": can_quotient,
    }


# ---------------------------------------------------------------------------------------------
# Enrolments


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def enrolment_create(request: HttpRequest, family_id: int) -> HttpResponse:
    """Enrol a child in an activity for a school year, optionally with a weekly pattern."""
    family = _family_or_404(family_id)
    user = agent(request)
    today = timezone.localdate()
    years = _open_school_years(today)
    current = next((y for y in years if y.starts_on <= today), None) or years.first()
    initial: dict[str, Any] = {
        "school_year": current,
        "payer": family.guardians.filter(is_payer=True).first(),
    }
    wanted_child = parse_id(request.GET.get("enfant"))
    if wanted_child is not None:
        initial["child"] = family.children.filter(pk=wanted_child).first()
    form = EnrolmentForm(
        request.POST or None,
        family=family,
        activities=activities_for(user).filter(is_active=True),
        school_years=years,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = enrol_child(
                child=data["child"],
                activity=data["activity"],
                school_year=data["school_year"],
                payer=data["payer"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                by=user,
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Inscription enregistrée : %(child)s à %(activity)s (%(site)s) pour "
                    "%(year)s, %(period)s, payeur %(payer)s."
                )
                % {
                    "child": enrolment.child.first_name,
                    "activity": enrolment.activity.name,
                    "site": enrolment.activity.site.name,
                    "year": enrolment.school_year.label,
                    "period": period_label(enrolment.starts_on, enrolment.ends_on).lower(),
                    "payer": enrolment.payer.full_name,
                },
            )
            if data["weekdays"]:
                _apply_pattern(request, enrolment, data["weekdays"], user)
            return redirect(family_url(family))
    return render(
        request,
        "backoffice/family_bookings/enrolment_form.html",
        {"family": family, "form": form, "back_url": family_url(family)},
        status=400 if request.method == "POST" else 200,
    )


def _apply_pattern(
    request: HttpRequest, enrolment: Enrolment, weekdays: list[int], user: User
) -> None:
    try:
        _pattern, results = apply_weekly_pattern(
            enrolment=enrolment,
            weekdays=weekdays,
            starts_on=enrolment.starts_on or enrolment.school_year.starts_on,
            ends_on=enrolment.ends_on,
            by=user,
        )
    except BookingError as exc:
        messages.warning(
            request,
            _("Semaine type non appliquée : %(reason)s") % {"reason": exc.message},
        )
        return
    values = {"days": weekday_names(weekdays), "counts": _counts(results) or _("aucun jour")}
    messages.info(request, _("Semaine type (%(days)s) : %(counts)s.") % values)
    _report(request, results, only_problems=True)


def _enrolment_in_scope(user: User, family: Family, enrolment_id: int) -> Enrolment:
    return get_object_or_404(
        Enrolment.objects.select_related("child", "activity__site", "school_year", "payer"),
        pk=enrolment_id,
        child__family=family,
        activity__in=_scope_ids(user),
    )


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def enrolment_end(request: HttpRequest, family_id: int, enrolment_id: int) -> HttpResponse:
    """End an enrolment early; later days are cancelled only when the agent says so."""
    family = _family_or_404(family_id)
    user = agent(request)
    enrolment = _enrolment_in_scope(user, family, enrolment_id)
    today = timezone.localdate()
    form = EndEnrolmentForm(request.POST or None, initial={"ends_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            ended = end_enrolment(
                enrolment=enrolment,
                ends_on=form.cleaned_data["ends_on"],
                cancel_bookings=form.cleaned_data["cancel_bookings"],
                by=user,
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            message = _("L'inscription de %(child)s à %(activity)s se termine le %(day)s.") % {
                "child": enrolment.child.first_name,
                "activity": enrolment.activity.name,
                "day": format_day(form.cleaned_data["ends_on"]),
            }
            if ended.cancelled:
                message += " " + _("%(count)s jour(s) annulé(s) sans frais.") % {
                    "count": len(ended.cancelled)
                }
            messages.success(request, message)
            return redirect(family_url(family))
    # The days still booked after the end: from the date the agent chose, else from today.
    chosen_end = getattr(form, "cleaned_data", {}).get("ends_on") if form.is_bound else None
    upcoming = bookings_after_count(enrolment, chosen_end or today - timedelta(days=1))
    return render(
        request,
        "backoffice/family_bookings/enrolment_end.html",
        {
            "family": family,
            "enrolment": enrolment,
            "period": period_label(enrolment.starts_on, enrolment.ends_on),
            "upcoming": upcoming,
            "upcoming_label": _upcoming_label(chosen_end),
            "form": form,
            "back_url": family_url(family),
        },
        status=400 if request.method == "POST" else 200,
    )


def _upcoming_label(chosen_end: date | None) -> str:
    if chosen_end is None:
        return _("Jours enregistrés à venir")
    return _("Jours enregistrés après le %(day)s") % {"day": format_day(chosen_end)}


# ---------------------------------------------------------------------------------------------
# Quotient familial


@staff_view(Capability.QUOTIENT)
@require_http_methods(["GET", "POST"])
def quotient_create(request: HttpRequest, family_id: int) -> HttpResponse:
    """Record a quotient familial with its validity and attestation."""
    family = _family_or_404(family_id)
    today = timezone.localdate()
    form = QuotientForm(
        request.POST or None,
        request.FILES or None,
        initial={"valid_from": _first_of_next_month(today)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = record_quotient(
                family=family,
                value=data["value"],
                source=data["source"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                proof=data["proof"],
                by=agent(request),
            )
        except QuotientError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, recorded.message)
            return redirect(family_url(family))
    return render(
        request,
        "backoffice/family_bookings/quotient_form.html",
        {
            "family": family,
            "form": form,
            "back_url": family_url(family),
            "quotient_section": quotient_history(family),
            "can_record_quotient": False,  # we are on that page
            "can_view_quotient_proof": True,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.QUOTIENT)
@require_GET
def quotient_proof(request: HttpRequest, family_id: int, quotient_id: int) -> HttpResponse:
    """Serve a QF attestation to the agents who handle quotients."""
    quotient = get_object_or_404(FamilyQuotient, pk=quotient_id, family_id=family_id)
    return serve_proof(quotient.proof.name)


# ---------------------------------------------------------------------------------------------
# Bookings on behalf of a family (the counter path)


def _child_of_family(family: Family, child_id: int) -> Child:
    return get_object_or_404(Child.objects.select_related("family"), pk=child_id, family=family)


def _bookable_enrolments(user: User, child: Child, today: date) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            child=child, activity__in=_scope_ids(user), school_year__ends_on__gte=today
        )
        .select_related("activity__site", "school_year")
        .order_by("school_year__starts_on", "activity__site__name", "activity__name")
    )


def _chosen_month(raw: str, enrolment: Enrolment | None, today: date) -> date:
    chosen = parse_month(raw)
    if chosen is not None:
        return chosen
    if enrolment is not None and today < enrolment.school_year.starts_on:
        return enrolment.school_year.starts_on.replace(day=1)
    return today.replace(day=1)


def _on_behalf_url(family: Family, child: Child, enrolment: Enrolment, month: date) -> str:
    url = reverse(
        "backoffice:booking_on_behalf", kwargs={"family_id": family.pk, "child_id": child.pk}
    )
    return f"{url}?{urlencode({'inscription': enrolment.pk, 'mois': month.strftime('%Y-%m')})}"


def _running_days(enrolment: Enrolment, first: date, last: date, weekdays: list[int]) -> list[date]:
    """Return the days of the period the activity runs on (public holidays kept: refused)."""
    activity = enrolment.activity
    kinds = {*activity.day_kinds, DayKind.PUBLIC_HOLIDAY}
    return [
        day
        for day, kind in CalendarDay.objects.filter(
            date__gte=first, date__lte=last, school_year=enrolment.school_year
        ).values_list("date", "kind")
        if day.weekday() in weekdays and day.weekday() in activity.weekdays and kind in kinds
    ]


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def booking_on_behalf(request: HttpRequest, family_id: int, child_id: int) -> HttpResponse:
    """Reserve, declare absent or cancel requests for a child, as the family would."""
    family = _family_or_404(family_id)
    child = _child_of_family(family, child_id)
    user = agent(request)
    today = timezone.localdate()
    enrolments = _bookable_enrolments(user, child, today)
    by_pk = {e.pk: e for e in enrolments}
    wanted = request.POST.get("enrolment") or request.GET.get("inscription") or ""
    if wanted:
        wanted_pk = parse_id(wanted)
        if wanted_pk is None or wanted_pk not in by_pk:
            raise Http404
        selected: Enrolment | None = by_pk[wanted_pk]
    else:
        selected = enrolments[0] if enrolments else None
    form = OnBehalfForm(
        request.POST or None,
        request.FILES or None,
        enrolments=enrolments,
        initial={
            "enrolment": selected.pk if selected else None,
            "starts_on": today,
            "ends_on": today + timedelta(days=6),
        },
    )
    if request.method == "POST" and form.is_valid() and selected is not None:
        try:
            results, first = _act_on_behalf(form, child, selected, user)
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            values = {
                "child": child.first_name,
                "activity": selected.activity.name,
                "counts": _counts(results),
            }
            messages.info(request, _("%(child)s, %(activity)s : %(counts)s.") % values)
            _report(request, results, only_problems=False)
            return redirect(_on_behalf_url(family, child, selected, first.replace(day=1)))
    month = _chosen_month(request.GET.get("mois", ""), selected, today)
    days = activity_month(child, selected.activity_id, month.year, month.month) if selected else []
    return render(
        request,
        "backoffice/family_bookings/on_behalf.html",
        {
            "family": family,
            "child": child,
            "form": form,
            "enrolments": enrolments,
            "selected": selected,
            "month": month,
            "days": days,
            "previous_url": _on_behalf_url(
                family, child, selected, (month - timedelta(days=1)).replace(day=1)
            )
            if selected
            else "",
            "next_url": _on_behalf_url(
                family, child, selected, (month + timedelta(days=32)).replace(day=1)
            )
            if selected
            else "",
            "back_url": family_url(family),
        },
        status=400 if request.method == "POST" else 200,
    )


def _act_on_behalf(
    form: OnBehalfForm, child: Child, enrolment: Enrolment, user: User
) -> tuple[list[DayResult], date]:
    """Run the chosen action over the period's days; return the results and the first day."""
    data = form.cleaned_data
    year = enrolment.school_year
    first, last = max(data["starts_on"], year.starts_on), min(data["ends_on"], year.ends_on)
    period = {
        "from": format_day(data["starts_on"]),
        "to": format_day(data["ends_on"]),
        "activity": enrolment.activity.name,
        "child": child.first_name,
        "year": year.label,
    }
    if first > last:
        raise BookingError(
            _(
                "La période du %(from)s au %(to)s est en dehors de l'année scolaire %(year)s "
                "de cette inscription."
            )
            % period
        )
    days = _running_days(enrolment, first, last, data["weekdays"])
    if not days:
        raise BookingError(
            _(
                "%(activity)s n'a lieu aucun des jours cochés entre le %(from)s et le %(to)s : "
                "rien à faire."
            )
            % period
        )
    action = data["action"]
    if action == OnBehalfAction.RESERVE:
        results = request_bookings(
            requests=[BookingRequest(child, enrolment.activity, day) for day in days],
            by=user,
            source=BookingSource.STAFF,
            deadline_override=form.deadline_override,
        )
        return results, days[0]
    bookings = Booking.objects.filter(
        child=child, activity=enrolment.activity, day_id__in=days
    ).order_by("day_id")
    if action == OnBehalfAction.ABSENCE:
        chosen = list(bookings.exclude(state__in=[S.CANCELLED, S.REFUSED]))
        if not chosen:
            raise BookingError(
                _(
                    "Aucune réservation de %(child)s à %(activity)s les jours cochés entre le "
                    "%(from)s et le %(to)s : rien à déclarer absent."
                )
                % period
            )
        results = declare_absence(
            bookings=chosen,
            reason=data["reason"],
            note=data["note"],
            proof=data["proof"],
            by=user,
            deadline_override=form.deadline_override,
        )
        return results, chosen[0].day_id
    pending = list(bookings.filter(state__in=[S.REQUESTED, S.WAITING_LIST, S.ABSENCE_REQUESTED]))
    if not pending:
        raise BookingError(
            _(
                "Aucune demande en attente pour %(child)s à %(activity)s les jours cochés entre "
                "le %(from)s et le %(to)s : rien à annuler."
            )
            % period
        )
    results = cancel_requests(bookings=pending, by=user)
    return results, pending[0].day_id


urlpatterns = [
    path("familles/<int:family_id>/inscrire/", enrolment_create, name="enrolment_create"),
    path(
        "familles/<int:family_id>/inscriptions/<int:enrolment_id>/fin/",
        enrolment_end,
        name="enrolment_end",
    ),
    path("familles/<int:family_id>/quotient/", quotient_create, name="quotient_create"),
    path(
        "familles/<int:family_id>/quotient/<int:quotient_id>/justificatif/",
        quotient_proof,
        name="quotient_proof",
    ),
    path(
        "familles/<int:family_id>/enfants/<int:child_id>/reservations/",
        booking_on_behalf,
        name="booking_on_behalf",
    ),
]
