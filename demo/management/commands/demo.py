"""Load the demo commune (Le Mesnil-Saint-Denis) and print its logins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demo.generator import BOOKED_FAMILIES, DEMO_PASSWORD, DUPONT_IDENTIFIER, generate


class Command(BaseCommand):
    help = gettext_lazy(  # type: ignore[assignment]
        "Charge la commune de démonstration (Le Mesnil-Saint-Denis) : familles, activités, "
        "réservations. Sans effet si elle est déjà chargée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Declare the options."""
        parser.add_argument(
            "--families", type=int, default=300, help=_("Nombre de familles (300 par défaut).")
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help=_("Graine du hasard (2026 par défaut).")
        )
        parser.add_argument(
            "--booked-families",
            type=int,
            default=BOOKED_FAMILIES,
            help=_("Familles qui reçoivent des réservations (%(n)s par défaut).")
            % {"n": BOOKED_FAMILIES},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the demo unless it is there, then print the logins."""
        started = time.monotonic()
        summary = generate(
            families=options["families"],
            seed=options["seed"],
            booked_families=options["booked_families"],
        )
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Commune de démonstration chargée en %(seconds).0f s : %(families)s "
                        "familles, %(children)s enfants, %(bookings)s réservations."
                    )
                    % {
                        "seconds": time.monotonic() - started,
                        "families": summary.families,
                        "children": summary.children,
                        "bookings": summary.bookings,
                    }
                )
            )
            if summary.missing:
                self.stdout.write(
                    self.style.WARNING(
                        _("États de la légende absents du planning de la famille DUPONT : %s")
                        % ", ".join(summary.missing)
                    )
                )
        else:
            self.stdout.write(
                _("La commune de démonstration est déjà chargée (%(families)s familles).")
                % {"families": summary.families}
            )
        self.stdout.write(
            _("Famille DUPONT JEAN : identifiant %(username)s, mot de passe %(password)s")
            % {"username": DUPONT_IDENTIFIER, "password": DEMO_PASSWORD}
        )
        staff = [
            (_("Agent Éducation"), "agent"),
            (_("Agent Petite enfance"), "petiteenfance"),
            (_("Animateur"), "animateur"),
            (_("Finances"), "finance"),
            (_("Administrateur"), "admin"),
        ]
        self.stdout.write(
            " — ".join(f"{label} : {username} / {DEMO_PASSWORD}" for label, username in staff)
        )
