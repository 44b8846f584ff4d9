"""Back-office: Fermetures — close an activity or a site, list what it cancelled and who was told.

Creating is two steps without JavaScript: the form posts to itself, the page answers with
what the closure would cancel; the agent confirms (or goes back to edit), and only then are
the bookings cancelled and the families' messages queued, in one transaction.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from backoffice.forms.closures import ClosureForm, closable_sites_for
from backoffice.parsing import parse_id
from backoffice.permissions import (
    Capability,
    activities_for,
    activity_or_404,
    agent,
    staff_view,
)
from bookings.exceptions import BookingError
from bookings.queries.closures import (
    CLOSURE_TYPE,
    closure_detail,
    closure_list,
    closure_preview,
    closures_for,
)
from bookings.services.closures import close_days
from catalog.models import Closure
from notifications.models import Notification
from notifications.queries import NotificationCounts, counts_by_object
from notifications.services import queue_closure_notifications, resend_notifications


def _closures(user: User) -> QuerySet[Closure]:
    # A site closure shows its families: only for sites whose activities are all the agent's.
    return closures_for(activities_for(user), closable_sites_for(user))


def _closure_or_404(user: User, closure_id: int) -> Closure:
    return get_object_or_404(_closures(user), pk=closure_id)


def _check_targets_in_scope(request: HttpRequest) -> None:
    """Answer 404 for an activity or a site posted from outside the agent's scope."""
    user = agent(request)
    activity_id = request.POST.get("activity", "").strip()
    if activity_id:
        activity_pk = parse_id(activity_id)
        if activity_pk is None:
            raise Http404
        activity_or_404(user, activity_pk)
    site_id = request.POST.get("site", "").strip()
    if site_id:
        site_pk = parse_id(site_id)
        if site_pk is None or not closable_sites_for(user).filter(pk=site_pk).exists():
            raise Http404


@staff_view(Capability.CLOSURES)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List the closures of the agent's scope, to come then past."""
    listing = closure_list(_closures(agent(request)), today=timezone.localdate())
    return render(request, "backoffice/closures/list.html", {"listing": listing})


@staff_view(Capability.CLOSURES)
def create(request: HttpRequest) -> HttpResponse:
    """Choose what to close, see what it cancels, confirm."""
    user = agent(request)
    if request.method == "GET":
        form = ClosureForm(user=user)
        return render(request, "backoffice/closures/form.html", {"form": form})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    _check_targets_in_scope(request)
    form = ClosureForm(request.POST, user=user)
    if not form.is_valid():
        return render(request, "backoffice/closures/form.html", {"form": form}, status=400)
    data = form.cleaned_data
    if "edit" in request.POST:
        return render(request, "backoffice/closures/form.html", {"form": form})
    if "confirm" not in request.POST:
        preview = closure_preview(
            activity=data["activity"],
            site=data["site"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        context = {
            "form": form,
            "data": data,
            "preview": preview,
            "reason_label": Closure.Reason(data["reason"]).label,
        }
        return render(request, "backoffice/closures/confirm.html", context)
    try:
        result = close_days(
            activity=data["activity"],
            site=data["site"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
            note=data["note"],
            by=user,
            on_closed=partial(queue_closure_notifications, by=user),
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return render(request, "backoffice/closures/form.html", {"form": form}, status=400)
    closure = result.closure
    counts = counts_by_object(CLOSURE_TYPE, [closure.pk]).get(str(closure.pk))
    messages.success(
        request,
        _closed_message(len(result.cancelled_booking_ids), len(result.families), counts),
    )
    if counts and counts.failed:
        messages.warning(
            request,
            ngettext(
                "%(count)d e-mail n'a pas pu partir : utilisez « Renvoyer » ci-dessous.",
                "%(count)d e-mails n'ont pas pu partir : utilisez « Renvoyer » ci-dessous.",
                counts.failed,
            )
            % {"count": counts.failed},
        )
    return redirect("backoffice:closure_detail", closure_id=closure.pk)


@staff_view(Capability.CLOSURES)
def detail(request: HttpRequest, closure_id: int) -> HttpResponse:
    """Show one closure: the bookings it cancelled by family, and the messages sent."""
    closure = _closure_or_404(agent(request), closure_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "backoffice/closures/detail.html", {"detail": closure_detail(closure)})


@staff_view(Capability.CLOSURES)
@require_POST
def resend(request: HttpRequest, closure_id: int) -> HttpResponse:
    """Send again the failed e-mails of a closure (one, or all of them)."""
    user = agent(request)
    closure = _closure_or_404(user, closure_id)
    failed = Notification.objects.filter(
        object_type=CLOSURE_TYPE, object_id=str(closure.pk), status=Notification.Status.FAILED
    )
    notification_id = request.POST.get("notification", "").strip()
    if notification_id:
        notification_pk = parse_id(notification_id)
        if notification_pk is None:
            raise Http404
        one = get_object_or_404(
            Notification.objects.filter(object_type=CLOSURE_TYPE, object_id=str(closure.pk)),
            pk=notification_pk,
        )
        if one.status != Notification.Status.FAILED:
            messages.info(
                request,
                _("L'e-mail à %(address)s n'est pas en échec (%(status)s) : rien à renvoyer.")
                % {
                    "address": one.to_address or one.family.name,
                    "status": one.get_status_display(),
                },
            )
            return redirect("backoffice:closure_detail", closure_id=closure.pk)
        failed = failed.filter(pk=one.pk)
    rows = list(failed)
    if not rows:
        messages.info(request, _("Aucun e-mail en échec à renvoyer."))
        return redirect("backoffice:closure_detail", closure_id=closure.pk)
    ids = resend_notifications(rows, by=user)
    after = Notification.objects.filter(pk__in=ids)
    sent = after.filter(status=Notification.Status.SENT).count()
    still_failed = len(ids) - sent
    if sent:
        messages.success(
            request,
            ngettext("%(count)d e-mail renvoyé.", "%(count)d e-mails renvoyés.", sent)
            % {"count": sent},
        )
    if still_failed:
        messages.error(
            request,
            ngettext(
                "%(count)d e-mail n'a toujours pas pu partir : vérifiez l'adresse ou "
                "prévenez la famille par téléphone.",
                "%(count)d e-mails n'ont toujours pas pu partir : vérifiez les adresses ou "
                "prévenez les familles par téléphone.",
                still_failed,
            )
            % {"count": still_failed},
        )
    return redirect("backoffice:closure_detail", closure_id=closure.pk)


def _closed_message(bookings: int, families: int, counts: NotificationCounts | None) -> str:
    counts = counts or NotificationCounts()
    text = ngettext(
        "Fermeture enregistrée : %(bookings)d réservation annulée sans frais",
        "Fermeture enregistrée : %(bookings)d réservations annulées sans frais",
        bookings,
    ) % {"bookings": bookings}
    text += ngettext(" (%(families)d famille).", " (%(families)d familles).", families) % {
        "families": families
    }
    if counts.sent:
        text += " " + ngettext(
            "%(count)d e-mail envoyé.", "%(count)d e-mails envoyés.", counts.sent
        ) % {"count": counts.sent}
    if counts.no_address:
        text += " " + ngettext(
            "%(count)d famille sans adresse e-mail est à prévenir par téléphone.",
            "%(count)d familles sans adresse e-mail sont à prévenir par téléphone.",
            counts.no_address,
        ) % {"count": counts.no_address}
    return text


urlpatterns = [
    path("fermetures/", index, name="closures"),
    path("fermetures/nouvelle/", create, name="closure_create"),
    path("fermetures/<int:closure_id>/", detail, name="closure_detail"),
    path("fermetures/<int:closure_id>/renvoyer/", resend, name="closure_resend"),
]
