"""The back-office menu: only the areas the logged-in agent may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backoffice.permissions import Capability, capabilities_of

MENU: list[tuple[Capability, str, Promise, str]] = [
    # (capability, url name, label, url prefix that marks the item current)
    (Capability.DASHBOARD, "backoffice:dashboard", _("Tableau de bord"), "/gestion/$"),
    (Capability.INBOX, "backoffice:inbox", _("Demandes"), "/gestion/demandes/"),
    (Capability.ATTENDANCE, "backoffice:attendance", _("Pointage"), "/gestion/pointage/"),
    (Capability.HEADCOUNT, "backoffice:headcount", _("Effectifs cuisine"), "/gestion/cuisine/"),
    (Capability.CLOSURES, "backoffice:closures", _("Fermetures"), "/gestion/fermetures/"),
    (Capability.FAMILIES_VIEW, "backoffice:families", _("Familles"), "/gestion/familles/"),
]


def backoffice(request: HttpRequest) -> dict[str, Any]:
    """Give back-office pages their menu; other pages get nothing."""
    if not request.path.startswith("/gestion/"):
        return {}
    allowed = capabilities_of(request.user)
    items = []
    for capability, url_name, label, prefix in MENU:
        if capability not in allowed:
            continue
        current = (
            request.path == "/gestion/" if prefix.endswith("$") else request.path.startswith(prefix)
        )
        items.append({"url": reverse(url_name), "label": label, "current": current})
    return {"backoffice_nav": items}
