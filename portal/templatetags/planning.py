"""Template helpers for the planning grid: a symbol per legend status, French day names."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bookings.legend import Legend
from bookings.queries import Cell
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


@register.simple_tag
def planning_cell(
    cell: Cell, child_name: str, prefix: str, selected: set[str], item: bool = False
) -> str:
    """Render one cell of the grid (a <td>) or of the phone list, in Python for speed.

    The grid has up to 31 × rows cells, each rendered twice (table and phone list): a
    template include, or even format_html, per cell costs more than the rest of the page.
    Every piece of text is escaped here; keys are integers and ISO dates.
    """
    label = _label(cell.legend)
    rank = escape(_(" (rang %(rank)s)") % {"rank": cell.rank}) if cell.rank else ""
    present_word = _present_word(get_language() or "fr") if cell.present else ""
    spoken = f"{escape(child_name)}, {escape(cell.activity.name)}, {_day_name(cell.day)} : "
    spoken += label + rank + (", " + present_word if cell.present else "")
    off = "" if cell.actions or cell.notable else " mark--off"
    # ☺ already says "present without booking"; P marks presence on a booked day.
    show_present = cell.present and cell.legend != Legend.WALK_IN
    mark = (
        f'<span class="mark mark--{cell.legend}{off}" aria-hidden="true">'
        f"{SYMBOLS.get(Legend(cell.legend), '')}{'P' if show_present else ''}</span>"
    )
    if cell.actions:
        element_id = f"{prefix}-{cell.key}"
        checked = " checked" if cell.key in selected else ""
        state = f'<span class="day-list__state">{label}{rank}</span>' if item else ""
        body = (
            f'<input type="checkbox" class="cell__check" name="cells" value="{cell.key}" '
            f'id="{element_id}" data-actions="{" ".join(sorted(cell.actions))}"{checked}>'
            f'<label for="{element_id}" class="cell__label">{mark}'
            f'<span class="visually-hidden">{spoken}</span>{state}</label>'
        )
    else:
        reason = escape(cell.locked_reason)
        focus = ' tabindex="0"' if cell.notable and not item else ""
        said = reason if reason.startswith(label) else f"{label} — {reason}"
        state = f'<span class="day-list__state">{said}</span>' if item else ""
        why = (
            f'<span class="cell__why" aria-hidden="true">{reason}</span>'
            if reason and not item
            else ""
        )
        body = (
            f'<span class="cell__locked"{focus}>{mark}'
            f'<span class="visually-hidden">{spoken}. {reason}</span>{state}{why}</span>'
        )
    if item:
        html = f'<span class="day-list__activity">{escape(cell.activity.name)}</span>{body}'
    else:
        classes = f"cell cell--{cell.legend}"
        classes += " is-present" if cell.present else ""
        classes += "" if cell.actions or cell.notable else " is-off"
        html = f'<td class="{classes}">{body}</td>'
    return mark_safe(html)


def _label(legend: str) -> str:
    return _label_cached(legend, get_language() or "fr")


@lru_cache(maxsize=128)
def _label_cached(legend: str, language: str) -> str:
    return escape(str(Legend(legend).label))


@register.simple_tag
def planning_cells(
    cells: list[Cell], child_name: str, prefix: str, selected: set[str], item: bool = False
) -> str:
    """Render a row of cells (or a day's items) in one call: ~400 cells per month."""
    if item:
        return mark_safe(  # safe: planning_cell escapes every dynamic part
            "".join(
                f'<li class="day-list__item">{planning_cell(c, child_name, prefix, selected, True)}'
                "</li>"
                for c in cells
            )
        )
    return mark_safe(  # safe: planning_cell escapes every dynamic part
        "".join(planning_cell(c, child_name, prefix, selected) for c in cells)
    )


@lru_cache(maxsize=512)
def _day_name_cached(day: date, language: str) -> str:
    return escape(format_day(day))


def _day_name(day: date) -> str:
    return _day_name_cached(day, get_language() or "fr")


@lru_cache(maxsize=8)
def _present_word(language: str) -> str:
    return escape(_("présent"))
