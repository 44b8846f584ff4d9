"""Template helpers for the planning grid: a symbol per legend status, French day names."""

from __future__ import annotations

from datetime import date

from django import template

from bookings.legend import Legend
from bookings.rules import format_day

register = template.Library()

SYMBOLS = {
    Legend.EMPTY: "",
    Legend.RESERVED: "✓",
    Legend.REGULAR: "R",
    Legend.REQUESTED: "?",
    Legend.WAITING_LIST: "LA",
    Legend.REFUSED: "✗",
    Legend.ABSENCE_REQUESTED: "A?",
    Legend.ABSENT_EXCUSED: "AE",
    Legend.ABSENT_BILLED: "AF",
    Legend.CLOSED: "F",
    Legend.LEAVE: "C",
    Legend.BEYOND_CONTRACT: "H+",
    Legend.ERROR: "!",
    Legend.WALK_IN: "☺",
}


@register.filter
def legend_symbol(legend: str) -> str:
    """Return the short mark shown in a cell (always doubled by text for screen readers)."""
    return SYMBOLS.get(Legend(legend), "")


@register.filter
def legend_label(legend: str) -> str:
    """Return the legend's French label."""
    return str(Legend(legend).label)


@register.filter
def long_day(day: date) -> str:
    """Return « mardi 14 avril 2026 »."""
    return format_day(day)
