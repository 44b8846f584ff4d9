"""Forms of the back-office's families area: search, family, guardian, child."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.forms.fields import DateInput
from catalog.models import Site
from families.models import Child, Family, Guardian
from families.services import ChildData, FamilyData, GuardianData, PersonData

INSEE_VALIDATOR = RegexValidator(
    r"^(\d{5}|2[ABab]\d{3})$",
    _("Le code INSEE s'écrit en 5 caractères (ex. 78322 ; 2A004 pour la Corse)."),
)
POSTAL_CODE_VALIDATOR = RegexValidator(
    r"^\d{5}$", _("Le code postal s'écrit en 5 chiffres (ex. 78320).")
)
PHONE_PATTERN = re.compile(r"^\+?[\d .\-()]{6,20}$")


def _check_phone(value: str) -> str:
    value = value.strip()
    if value and not PHONE_PATTERN.match(value):
        raise forms.ValidationError(
            _("Numéro de téléphone incomplet ou mal écrit (ex. 06 12 34 56 78)."),
        )
    return value


class FamilySearchForm(forms.Form):
    """The search box of the families page."""

    q = forms.CharField(
        label=_("Rechercher une famille"),
        required=False,
        max_length=100,
        help_text=_(
            "Nom de famille, identifiant, prénom ou nom d'un enfant, e-mail d'un responsable."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class FamilyForm(forms.ModelForm):
    """A family's name, address and commune of residence."""

    class Meta:
        model = Family
        fields = ["name", "address_line", "postal_code", "city", "residence_insee"]
        help_texts = {
            "name": _("En majuscules sur les courriers (ex. DUPONT)."),
        }
        labels = {"residence_insee": _("Code INSEE de la commune de résidence")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        residence = self.fields["residence_insee"]
        residence.required = True
        residence.validators.append(INSEE_VALIDATOR)
        residence.help_text = _(
            "%(insee)s pour les habitants de %(commune)s (tarif résident) ; sinon le code de "
            "leur commune (tarif extérieur)."
        ) % {"insee": settings.MARELLE_COMMUNE_INSEE, "commune": settings.MARELLE_COMMUNE_NAME}
        self.fields["postal_code"].validators.append(POSTAL_CODE_VALIDATOR)
        for name, autocomplete in (
            ("address_line", "street-address"),
            ("postal_code", "postal-code"),
            ("city", "address-level2"),
            ("name", "off"),
        ):
            self.fields[name].widget.attrs["autocomplete"] = autocomplete

    def data_for_service(self) -> FamilyData:
        """Return the typed values for families.services."""
        return FamilyData(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class GuardianForm(forms.ModelForm):
    """A responsable légal's identity and contacts; `with_payer` adds the payer box."""

    class Meta:
        model = Guardian
        fields = ["first_name", "last_name", "email", "mobile_phone", "home_phone", "is_payer"]
        labels = {"is_payer": _("Payeur : les factures de la famille lui sont adressées")}
        help_texts = {
            "email": _("Reçoit le lien d'activation du compte et les notifications."),
            "is_payer": _(
                "Un seul payeur par famille : le cocher ici le retire à l'autre responsable."
            ),
        }

    def __init__(self, *args: Any, with_payer: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_payer:
            del self.fields["is_payer"]
        for name, autocomplete in (
            ("first_name", "off"),
            ("last_name", "off"),
            ("email", "off"),
            ("mobile_phone", "off"),
            ("home_phone", "off"),
        ):
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
        self.fields["mobile_phone"].widget.input_type = "tel"
        self.fields["home_phone"].widget.input_type = "tel"

    def clean_mobile_phone(self) -> str:
        return _check_phone(self.cleaned_data["mobile_phone"])

    def clean_home_phone(self) -> str:
        return _check_phone(self.cleaned_data["home_phone"])

    def data_for_service(self) -> GuardianData:
        """Return the typed values for families.services."""
        data = self.cleaned_data
        return GuardianData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            mobile_phone=data["mobile_phone"],
            home_phone=data["home_phone"],
            is_payer=bool(data.get("is_payer", False)),
        )


class ChildForm(forms.ModelForm):
    """A child's identity, school and what staff need for meals and care."""

    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "school",
            "class_level",
            "diet",
            "has_pai",
            "pai_notes",
            "packed_meal",
        ]
        widgets = {
            "birth_date": DateInput(),
            "pai_notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"school": _("École"), "class_level": _("Classe")}
        help_texts = {
            "diet": _("Options neutres, sans mention religieuse."),
            "pai_notes": _("Seulement ce dont le personnel a besoin (trousse, consignes)."),
            "packed_meal": _("Panier-repas apporté par la famille (PAI alimentaire)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        school.queryset = Site.objects.filter(
            kind__in=[Site.Kind.ELEMENTARY_SCHOOL, Site.Kind.NURSERY_SCHOOL]
        ).order_by("name")
        school.empty_label = _("— non scolarisé ou autre école —")
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean_birth_date(self) -> date:
        born: date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
        if today.year - born.year > 20:
            raise forms.ValidationError(
                _("Vérifiez l'année de naissance : l'enfant aurait plus de 20 ans.")
            )
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("class_level") and not data.get("school"):
            self.add_error(
                "school", _("Choisissez l'école de l'enfant, puisqu'une classe est indiquée.")
            )
        if data.get("pai_notes", "").strip() and not data.get("has_pai"):
            self.add_error(
                "has_pai",
                _("Des consignes PAI sont saisies : cochez « PAI / allergie » ou effacez-les."),
            )
        return data

    def data_for_service(self) -> ChildData:
        """Return the typed values for families.services."""
        return ChildData(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class AuthorisedPersonForm(forms.Form):
    """Someone allowed to pick the child up (one line of the formset)."""

    person_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("Nom et prénom"), max_length=150, required=False)
    relationship = forms.CharField(label=_("Lien avec l'enfant"), max_length=60, required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "off"

    def clean_phone(self) -> str:
        return _check_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name", "").strip() and (data.get("relationship") or data.get("phone")):
            self.add_error("name", _("Indiquez le nom et le prénom de cette personne."))
        return data


class BaseAuthorisedPersonFormSet(forms.BaseFormSet):
    """The people allowed to pick a child up; emptied or ticked lines are removed."""

    def persons(self) -> list[PersonData]:
        """Return the lines to keep, for families.services."""
        kept = []
        for form in self.forms:
            data = form.cleaned_data
            if data.get("DELETE"):
                continue
            if not form.has_changed() and not data.get("person_id"):
                continue
            if not data.get("name"):
                continue
            kept.append(
                PersonData(
                    name=data["name"],
                    relationship=data.get("relationship", ""),
                    phone=data.get("phone", ""),
                    pk=data.get("person_id"),
                )
            )
        return kept


AuthorisedPersonFormSet = forms.formset_factory(
    AuthorisedPersonForm,
    formset=BaseAuthorisedPersonFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=10,
    validate_max=True,
)


def person_formset(data: Any, child: Child | None) -> BaseAuthorisedPersonFormSet:
    """Return the formset of a child's authorised people (their current list as initial)."""
    initial = (
        [
            {"person_id": p.pk, "name": p.name, "relationship": p.relationship, "phone": p.phone}
            for p in child.authorised_persons.order_by("pk")
        ]
        if child is not None
        else []
    )
    return cast(
        BaseAuthorisedPersonFormSet,
        AuthorisedPersonFormSet(data, prefix="personnes", initial=initial),
    )
