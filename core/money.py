"""Money is Decimal in euros with two places, rounded here and nowhere else."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """Round an amount to the cent, half up, as French public accounting does."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
