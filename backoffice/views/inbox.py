"""Back-office: Demandes à traiter — pending requests, decisions, proofs, waiting lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from backoffice.forms.inbox import DecisionForm, InboxFilterForm, RefusalForm
from backoffice.parsing import parse_id
from backoffice.permissions import Capability, activities_for, activity_or_404, agent, staff_view
from bookings import rules
from bookings.exceptions import BookingError
from bookings.models import Booking, BookingState
from bookings.queries.inbox import (
    booking_in_scope,
    bookings_in_scope,
    inbox_page,
    inbox_row,
    promoted_among,
    waiting_list,
    waiting_on,
)
from bookings.services.decisions import approve_request, promote_waiting_list, refuse_request
from catalog.models import CalendarDay
from core.uploads import serve_proof

S = BookingState

OUTCOMES: dict[tuple[S, S], Promise] = {
    (S.REQUESTED, S.RESERVED): gettext_lazy("réservation acceptée"),
    (S.WAITING_LIST, S.RESERVED): gettext_lazy("place attribuée depuis la liste d'attente"),
    (S.ABSENCE_REQUESTED, S.ABSENT_EXCUSED): gettext_lazy("absence excusée, non facturée"),
    (S.REQUESTED, S.REFUSED): gettext_lazy("réservation refusée"),
    (S.WAITING_LIST, S.REFUSED): gettext_lazy("demande refusée, retirée de la liste d'attente"),
    (S.ABSENCE_REQUESTED, S.ABSENT_BILLED): gettext_lazy("absence refusée, le jour sera facturé"),
}
# Above this many bookings, a bulk decision is reported by one summary message.
DETAILED_UP_TO = 10


# ---------------------------------------------------------------------------------------------
# Helpers


def _label(booking: Booking) -> str:
    """Return « Léa DUPONT, Restauration scolaire, jeudi 2 avril 2026 »."""
    return _("%(child)s, %(activity)s, %(day)s") % {
        "child": str(booking.child),
        "activity": booking.activity.name,
        "day": rules.format_day(booking.day_id),
    }


def _back_to(request: HttpRequest) -> str:
    """Return the page to go back to: a local inbox page (filters kept), else the inbox."""
    inbox = reverse("backoffice:inbox")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith(inbox)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not urlsplit(target).netloc
    ):
        return target
    return inbox


def _decide(
    request: HttpRequest, user: User, bookings: Sequence[Booking], *, approve: bool, reason: str
) -> None:
    """Apply one decision to each booking in turn and report the outcomes.

    Up to DETAILED_UP_TO bookings, one message each; above, one summary message, followed by
    the individual messages of the bookings that could not be decided (nothing is hidden).
    """
    waiting_before = waiting_on({(b.activity_id, b.day_id) for b in bookings})
    reports: list[tuple[int, str]] = []  # (message level, text), one per booking, in order
    outcomes: list[str] = []
    for booking in bookings:
        before = S(booking.state)
        try:
            if approve:
                decided = approve_request(booking=booking, by=user)
            else:
                decided = refuse_request(booking=booking, by=user, reason=reason)
        except BookingError as exc:
            error = _("%(child)s : %(error)s") % {"child": booking.child, "error": exc.message}
            reports.append((messages.ERROR, error))
            continue
        outcome = str(OUTCOMES.get((before, S(decided.state)), S(decided.state).label))
        outcomes.append(outcome)
        values = {"booking": _label(booking), "outcome": outcome}
        reports.append((messages.SUCCESS, _("%(booking)s : %(outcome)s") % values))
    if len(bookings) > DETAILED_UP_TO:
        failures = [report for report in reports if report[0] == messages.ERROR]
        level = messages.SUCCESS if outcomes else messages.WARNING
        reports = [(level, _summary(outcomes, len(failures), approve=approve)), *failures]
    for level, text in reports:
        messages.add_message(request, level, text)
    # A refused or excused day frees a place: the service gave it to the waiting list.
    promoted = promoted_among(waiting_before - {b.pk for b in bookings})
    if len(promoted) <= DETAILED_UP_TO:
        for booking in promoted:
            messages.info(
                request,
                _("%(booking)s : place libérée, attribuée depuis la liste d'attente.")
                % {"booking": _label(booking)},
            )
    else:
        messages.info(
            request,
            _("%(count)s places libérées, attribuées depuis la liste d'attente : %(names)s.")
            % {
                "count": len(promoted),
                "names": ", ".join(f"{b.child} ({rules.format_day(b.day_id)})" for b in promoted),
            },
        )


def _summary(outcomes: Sequence[str], failures: int, *, approve: bool) -> str:
    """Return « 87 demandes acceptées, 3 non traitées (détail ci-dessous). » and what each meant."""
    count = len(outcomes)
    if approve:
        text = ngettext("%(count)s demande acceptée", "%(count)s demandes acceptées", count) % {
            "count": count
        }
    else:
        text = ngettext("%(count)s demande refusée", "%(count)s demandes refusées", count) % {
            "count": count
        }
    if failures:
        text += ngettext(
            ", %(count)s non traitée (détail ci-dessous)",
            ", %(count)s non traitées (détail ci-dessous)",
            failures,
        ) % {"count": failures}
    text += "."
    kinds = Counter(outcomes)
    plain = str(OUTCOMES[(S.REQUESTED, S.RESERVED if approve else S.REFUSED)])
    if set(kinds) - {plain}:
        # Waiting lists or absences among them: say what each decision meant.
        details = " ; ".join(f"{outcome} ({n})" for outcome, n in kinds.items())
        text += " " + _("Soit : %(details)s.") % {"details": details}
    return text


def _render_inbox(
    request: HttpRequest,
    query: QueryDict,
    *,
    decision_form: DecisionForm | None = None,
    selected: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = agent(request)
    filter_form = InboxFilterForm(query, user=user)
    if not filter_form.is_valid():
        status = 400
    page = inbox_page(activities_for(user), filter_form.filters(), query.get("page"))
    # The filters as a short query string (empty fields left out), to come back to.
    kept = [(key, value) for key, value in query.items() if value]
    filters_query = urlencode([(key, value) for key, value in kept if key != "page"])
    inbox_url = reverse("backoffice:inbox")
    here = urlencode(kept)
    return render(
        request,
        "backoffice/inbox/index.html",
        {
            "filter_form": filter_form,
            "decision_form": decision_form or DecisionForm(),
            "page": page,
            "selected": selected or set(),
            "next": f"{inbox_url}?{here}" if here else inbox_url,
            "filters_query": filters_query,
            "is_filtered": any(v for k, v in query.items() if k != "page"),
        },
        status=status,
    )


def _ids(values: Sequence[str]) -> list[int]:
    return [pk for pk in map(parse_id, values) if pk is not None]


def _calendar_day_or_404(day: date) -> date:
    return get_object_or_404(CalendarDay, pk=day).date


# ---------------------------------------------------------------------------------------------
# Views


@staff_view(Capability.INBOX)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List the pending requests of the agent's activities, filtered, one page at a time."""
    return _render_inbox(request, request.GET)


@staff_view(Capability.INBOX)
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Accept or refuse the ticked requests (or the one whose « Accepter » was pressed)."""
    user = agent(request)
    data: QueryDict
    if request.POST.get("approve_one"):
        data = QueryDict(mutable=True)
        data.setlist("bookings", [request.POST["approve_one"]])
        data["decision"] = DecisionForm.APPROVE
    else:
        data = request.POST.copy()
    form = DecisionForm(data)
    back = _back_to(request)
    ids = _ids(data.getlist("bookings"))
    # A request outside the agent's scope (or that no longer exists) voids the whole post.
    bookings = bookings_in_scope(activities_for(user), ids)
    if len(bookings) != len(set(ids)):
        raise Http404
    if not form.is_valid():
        return _render_inbox(
            request,
            QueryDict(urlsplit(back).query),
            decision_form=form,
            selected=set(ids),
            status=400,
        )
    _decide(
        request,
        user,
        bookings,
        approve=form.cleaned_data["decision"] == DecisionForm.APPROVE,
        reason=form.cleaned_data["reason"],
    )
    return redirect(back)


@staff_view(Capability.INBOX)
@require_http_methods(["GET", "POST"])
def refuse(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Show one request with the refusal form; refuse it with the reason given."""
    user = agent(request)
    row = inbox_row(activities_for(user), booking_id)
    if row is None:
        raise Http404
    back = _back_to(request)
    form = RefusalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        booking = booking_in_scope(activities_for(user), booking_id)
        assert booking is not None
        _decide(request, user, [booking], approve=False, reason=form.cleaned_data["reason"])
        return redirect(back)
    return render(
        request,
        "backoffice/inbox/refuse.html",
        {"row": row, "form": form, "next": back},
        status=400 if form.is_bound else 200,
    )


@staff_view(Capability.INBOX)
def proof(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Serve the proof of an absence to the agents of its activity."""
    user = agent(request)
    booking = booking_in_scope(activities_for(user), booking_id)
    if booking is None:
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return serve_proof(booking.absence_proof.name)


@staff_view(Capability.INBOX)
def waiting_list_page(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Show the waiting list of an activity on a day, oldest first, with its places."""
    activity = activity_or_404(agent(request), activity_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    _calendar_day_or_404(day)
    return render(
        request,
        "backoffice/inbox/waiting_list.html",
        {
            "waiting": waiting_list(activity, day),
            "here": request.get_full_path(),
            "inbox_next": _back_to(request),
        },
    )


@staff_view(Capability.INBOX)
@require_POST
def waiting_list_promote(request: HttpRequest, activity_id: int, day: date) -> HttpResponse:
    """Give the day's free places to the waiting list, oldest first."""
    user = agent(request)
    activity = activity_or_404(user, activity_id)
    _calendar_day_or_404(day)
    promoted = promote_waiting_list(activity=activity, day=day, by=user)
    values = {"activity": activity.name, "day": rules.format_day(day)}
    if promoted:
        messages.success(
            request,
            ngettext(
                "%(count)s place attribuée (les plus anciens d'abord) : %(names)s.",
                "%(count)s places attribuées (les plus anciens d'abord) : %(names)s.",
                len(promoted),
            )
            % {"count": len(promoted), "names": ", ".join(str(b.child) for b in promoted)},
        )
    elif waiting_list(activity, day).entries:
        messages.warning(
            request,
            _(
                "Aucune place libre le %(day)s pour %(activity)s : les enfants restent en liste "
                "d'attente."
            )
            % values,
        )
    else:
        messages.info(
            request,
            _("Personne n'attend de place le %(day)s pour %(activity)s.") % values,
        )
    return redirect("backoffice:waiting_list", activity_id=activity.pk, day=day)


urlpatterns = [
    path("demandes/", index, name="inbox"),
    path("demandes/decider/", decide, name="inbox_decide"),
    path("demandes/<int:booking_id>/refuser/", refuse, name="inbox_refuse"),
    path("demandes/<int:booking_id>/justificatif/", proof, name="inbox_proof"),
    path(
        "demandes/liste-attente/<int:activity_id>/<isodate:day>/",
        waiting_list_page,
        name="waiting_list",
    ),
    path(
        "demandes/liste-attente/<int:activity_id>/<isodate:day>/attribuer/",
        waiting_list_promote,
        name="waiting_list_promote",
    ),
]
