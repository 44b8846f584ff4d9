"""Back-office: families — search, create and edit a family, its guardians and children,
its history, the identifier letter and the account-activation e-mail.

Thin views: a form, a service of families.services or a query of families.queries, a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import recipient_of
from backoffice.forms.families import (
    ChildForm,
    FamilyForm,
    FamilySearchForm,
    GuardianForm,
    person_formset,
)
from backoffice.permissions import Capability, agent, can, staff_view
from backoffice.views import family_bookings
from families.letter import build_letter, contact_line, letter_pdf
from families.models import Child, Family, Guardian
from families.queries import family_detail as read_family_detail
from families.queries import family_history as read_family_history
from families.queries import search_families
from families.services import (
    FamilyError,
    add_child,
    add_guardian,
    create_family,
    issue_letter,
    letter_login,
    send_activation,
    update_child,
    update_family,
    update_guardian,
)

INVALID = 400
SEE_OTHER = 303


def _family_or_404(family_id: int) -> Family:
    return get_object_or_404(Family, pk=family_id)


def _guardian_or_404(family: Family, guardian_id: int) -> Guardian:
    """Return a guardian of this family; another family's guardian is a 404."""
    return get_object_or_404(Guardian.objects.select_related("user"), pk=guardian_id, family=family)


def _child_or_404(family: Family, child_id: int) -> Child:
    """Return a child of this family; another family's child is a 404."""
    return get_object_or_404(Child.objects.select_related("school"), pk=child_id, family=family)


def _refused(form: forms.BaseForm, error: FamilyError) -> None:
    """Attach a service's refusal to the field it names (else to the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _form_page(
    request: HttpRequest,
    *,
    valid: bool,
    save: Callable[[], tuple[int, str]],
    form: forms.BaseForm,
    template: str,
    context: dict[str, Any],
    stored: models.Model | None = None,
) -> HttpResponse:
    """The flow of every form page of the area.

    A POST whose forms are `valid` runs `save` (a service call returning the family's id and
    the success message) and goes back to the family's page; a refusal (FamilyError) goes on
    `form`. Otherwise the page is shown again, 400 after a POST, `stored` (the object edited,
    changed in memory by the form) reloaded so the page names it as it is stored.
    """
    if request.method == "POST" and valid:
        try:
            family_id, message = save()
        except FamilyError as error:
            _refused(form, error)
        else:
            messages.success(request, message)
            return redirect("backoffice:family_detail", family_id=family_id)
    if stored is not None:
        stored.refresh_from_db()
    return render(request, template, context, status=INVALID if request.method == "POST" else 200)


# ---------------------------------------------------------------------------------------------
# Search and the family's page


@staff_view(Capability.FAMILIES_VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Search families; without a search, show the most recent ones."""
    form = FamilySearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    result = search_families(query, page_number=request.GET.get("page"))
    return render(
        request,
        "backoffice/families/index.html",
        {
            "form": form,
            "result": result,
            "can_edit": can(request.user, Capability.FAMILIES_EDIT),
        },
        status=200 if form.is_bound is False or form.is_valid() else INVALID,
    )


@staff_view(Capability.FAMILIES_VIEW)
@require_GET
def family_detail(request: HttpRequest, family_id: int) -> HttpResponse:
    """Show a family: guardians and their logins, children, enrolments, quotients, history."""
    family = _family_or_404(family_id)
    user = agent(request)
    context: dict[str, Any] = {
        **family_bookings.detail_context(family, user),
        "family": family,
        "detail": read_family_detail(family),
        "can_edit": can(user, Capability.FAMILIES_EDIT),
    }
    return render(request, "backoffice/families/detail.html", context)


@staff_view(Capability.FAMILIES_VIEW)
@require_GET
def family_history(request: HttpRequest, family_id: int) -> HttpResponse:
    """Show the family's full history from the audit journal, newest first."""
    family = _family_or_404(family_id)
    history = read_family_history(family, page_number=request.GET.get("page"))
    return render(
        request, "backoffice/families/history.html", {"family": family, "history": history}
    )


# ---------------------------------------------------------------------------------------------
# Family


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def family_create(request: HttpRequest) -> HttpResponse:
    """Create a family with its first guardian, the payer; the identifier is given."""
    family_form = FamilyForm(
        request.POST or None, initial={"residence_insee": settings.MARELLE_COMMUNE_INSEE}
    )
    guardian_form = GuardianForm(request.POST or None, prefix="responsable", with_payer=False)

    def save() -> tuple[int, str]:
        family = create_family(
            family=family_form.data_for_service(),
            guardian=guardian_form.data_for_service(),
            by=agent(request),
        )
        message = _("Famille %(name)s créée avec l'identifiant %(identifier)s.") % {
            "name": family.name,
            "identifier": family.identifier,
        }
        return family.pk, message

    return _form_page(
        request,
        valid=family_form.is_valid() and guardian_form.is_valid(),
        save=save,
        form=family_form,
        template="backoffice/families/family_form.html",
        context={"family": None, "family_form": family_form, "guardian_form": guardian_form},
    )


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, family_id: int) -> HttpResponse:
    """Change a family's name, address or commune of residence."""
    family = _family_or_404(family_id)
    family_form = FamilyForm(request.POST or None, instance=family)

    def save() -> tuple[int, str]:
        update_family(family=family, data=family_form.data_for_service(), by=agent(request))
        return family.pk, _("Coordonnées de la famille enregistrées.")

    return _form_page(
        request,
        valid=family_form.is_valid(),
        save=save,
        form=family_form,
        template="backoffice/families/family_form.html",
        context={"family": family, "family_form": family_form, "guardian_form": None},
        stored=family,
    )


# ---------------------------------------------------------------------------------------------
# Guardians


def _guardian_page(request: HttpRequest, family: Family, guardian: Guardian | None) -> HttpResponse:
    form = GuardianForm(request.POST or None, instance=guardian)

    def save() -> tuple[int, str]:
        if guardian is None:
            saved = add_guardian(family=family, data=form.data_for_service(), by=agent(request))
            message = _("%(name)s ajouté(e) aux responsables de la famille.")
        else:
            saved = update_guardian(
                guardian=guardian, data=form.data_for_service(), by=agent(request)
            )
            message = _("Fiche de %(name)s enregistrée.")
        return family.pk, message % {"name": f"{saved.first_name} {saved.last_name}"}

    return _form_page(
        request,
        valid=form.is_valid(),
        save=save,
        form=form,
        template="backoffice/families/guardian_form.html",
        context={"family": family, "guardian": guardian, "form": form},
        stored=guardian,
    )


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def guardian_create(request: HttpRequest, family_id: int) -> HttpResponse:
    """Add a responsable légal to a family."""
    return _guardian_page(request, _family_or_404(family_id), None)


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def guardian_edit(request: HttpRequest, family_id: int, guardian_id: int) -> HttpResponse:
    """Change a guardian's identity or contacts, or make them the payer."""
    family = _family_or_404(family_id)
    return _guardian_page(request, family, _guardian_or_404(family, guardian_id))


@staff_view(Capability.FAMILIES_EDIT)
@require_POST
def guardian_activation(request: HttpRequest, family_id: int, guardian_id: int) -> HttpResponse:
    """Create the guardian's login if missing and e-mail the link to choose a password."""
    family = _family_or_404(family_id)
    guardian = _guardian_or_404(family, guardian_id)
    try:
        user = send_activation(guardian=guardian, by=agent(request), request=request)
    except FamilyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "E-mail d'activation envoyé à %(email)s (identifiant : %(login)s). Le lien est "
                "valable %(minutes)s minutes."
            )
            % {
                "email": recipient_of(user),
                "login": user.username,
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
    return redirect("backoffice:family_detail", family_id=family.pk)


# ---------------------------------------------------------------------------------------------
# Children


def _child_page(request: HttpRequest, family: Family, child: Child | None) -> HttpResponse:
    initial = {"last_name": family.name} if child is None else None
    form = ChildForm(request.POST or None, instance=child, initial=initial)
    persons = person_formset(request.POST or None, child)

    def save() -> tuple[int, str]:
        data, people, by = form.data_for_service(), persons.persons(), agent(request)
        if child is None:
            saved = add_child(family=family, data=data, persons=people, by=by)
            message = _("%(name)s ajouté(e) à la famille.")
        else:
            saved = update_child(child=child, data=data, persons=people, by=by)
            message = _("Fiche de %(name)s enregistrée.")
        return family.pk, message % {"name": saved.first_name}

    return _form_page(
        request,
        valid=form.is_valid() and persons.is_valid(),
        save=save,
        form=form,
        template="backoffice/families/child_form.html",
        context={"family": family, "child": child, "form": form, "persons": persons},
        stored=child,
    )


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest, family_id: int) -> HttpResponse:
    """Add a child to a family."""
    return _child_page(request, _family_or_404(family_id), None)


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, family_id: int, child_id: int) -> HttpResponse:
    """Change a child's record: school, class, diet, PAI, packed meal, pick-up people."""
    family = _family_or_404(family_id)
    return _child_page(request, family, _child_or_404(family, child_id))


# ---------------------------------------------------------------------------------------------
# The identifier letter


def _unbroken(text: str, identifier: str) -> str:
    """Escape `text`, keeping the identifier on one line (it has a hyphen)."""
    keep = format_html('<span class="nowrap">{}</span>', identifier)
    return mark_safe(conditional_escape(text).replace(conditional_escape(identifier), keep))


def _letter_base_url(request: HttpRequest) -> str:
    return settings.MARELLE_BASE_URL or request.build_absolute_uri("/")


def _issued(request: HttpRequest, family: Family, kind: str) -> HttpResponse:
    """POST: issue the letter (audited, login created if needed), then GET the same URL.

    A GET never writes: prefetchers, link scanners and reloads must not issue a letter.
    """
    issue_letter(family=family, by=agent(request), kind=kind)
    response = HttpResponseRedirect(request.path)
    response.status_code = SEE_OTHER
    return response


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def family_letter(request: HttpRequest, family_id: int) -> HttpResponse:
    """Show the identifier letter, laid out for printing on A4; a POST issues it first."""
    family = _family_or_404(family_id)
    if request.method == "POST":
        response = _issued(request, family, _("page imprimable"))
        messages.success(request, _("Courrier édité ; c'est noté dans l'historique de la famille."))
        return response
    letter = build_letter(family, base_url=_letter_base_url(request), today=timezone.localdate())
    login, has_address = letter_login(family)
    return render(
        request,
        "backoffice/families/letter.html",
        {
            "family": family,
            "letter": letter,
            "login": login,
            "login_has_address": has_address,
            "steps": [_unbroken(step, family.identifier) for step in letter.steps],
            "contact_lines": [contact_line(c) for c in letter.contacts],
        },
    )


@staff_view(Capability.FAMILIES_EDIT)
@require_http_methods(["GET", "POST"])
def family_letter_pdf(request: HttpRequest, family_id: int) -> HttpResponse:
    """Download the identifier letter as an A4 PDF; a POST issues it first."""
    family = _family_or_404(family_id)
    if request.method == "POST":
        return _issued(request, family, "PDF")
    letter = build_letter(family, base_url=_letter_base_url(request), today=timezone.localdate())
    response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="courrier-identifiant-{family.identifier}.pdf"'
    )
    return response


urlpatterns = [
    path("familles/", index, name="families"),
    path("familles/nouvelle/", family_create, name="family_create"),
    path("familles/<int:family_id>/", family_detail, name="family_detail"),
    path("familles/<int:family_id>/modifier/", family_edit, name="family_edit"),
    path("familles/<int:family_id>/historique/", family_history, name="family_history"),
    path("familles/<int:family_id>/courrier/", family_letter, name="family_letter"),
    path("familles/<int:family_id>/courrier.pdf", family_letter_pdf, name="family_letter_pdf"),
    path(
        "familles/<int:family_id>/responsables/nouveau/",
        guardian_create,
        name="guardian_create",
    ),
    path(
        "familles/<int:family_id>/responsables/<int:guardian_id>/",
        guardian_edit,
        name="guardian_edit",
    ),
    path(
        "familles/<int:family_id>/responsables/<int:guardian_id>/activation/",
        guardian_activation,
        name="guardian_activation",
    ),
    path("familles/<int:family_id>/enfants/nouveau/", child_create, name="child_create"),
    path("familles/<int:family_id>/enfants/<int:child_id>/", child_edit, name="child_edit"),
]
