"""The demo commune's service contacts, as the seed letter gives them."""

from __future__ import annotations

from core.models import ServiceContact

CONTACTS = [
    {
        "domain": ServiceContact.Domain.EDUCATION,
        "service": "Service Éducation",
        "person": "Mme TOUDIC",
        "phone": "01 30 13 82 97",
        "email": "stoudic@lemesnilsaintdenis.fr",
        "hours": "Lundi au vendredi, 8h30–12h00 et 13h30–17h30",
        "position": 1,
    },
    {
        "domain": ServiceContact.Domain.EARLY_CHILDHOOD,
        "service": "Service Petite Enfance",
        "person": "Mme LE BAIL",
        "phone": "01 30 13 86 66",
        "email": "olebail@lemesnilsaintdenis.fr",
        "hours": "Lundi au vendredi, 9h00–12h00",
        "position": 2,
    },
]


def create_contacts() -> int:
    """Create the contacts shown in every page's footer, once; return how many exist."""
    if not ServiceContact.objects.exists():
        ServiceContact.objects.bulk_create(ServiceContact(**values) for values in CONTACTS)
    return ServiceContact.objects.count()
