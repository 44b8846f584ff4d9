"""The rows of an attendance sheet, rendered in Python for speed.

A school sheet holds up to 500 children, each row with its form of two buttons; a template
include per row costs about a second on such a sheet, this about a twentieth. The row template lives
here once, for the page and for the row htmx swaps in after a tap. Every piece of text is
escaped; ids are integers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from bookings.queries.attendance import SheetRow

register = template.Library()


def _labels() -> dict[str, str]:
    """Return the row's fixed words, translated and escaped once per render."""
    return {
        "absence_requested": escape(_("absence demandée")),
        "walk_in": escape(_("sans réservation — majoration")),
        "packed_meal": escape(_("panier-repas")),
        "pai": escape(_("PAI")),
        "pai_default": escape(_("Allergie ou PAI : voir le protocole de l'enfant.")),
        "no_pickup": escape(_("Responsables légaux seulement")),
        "present": escape(_("Présent")),
        "absent": escape(_("Absent")),
    }


def _pickups(row: SheetRow, words: dict[str, str]) -> str:
    if not row.pickups:
        return f'<span class="muted">{words["no_pickup"]}</span>'
    items = []
    for person in row.pickups:
        item = escape(person.name)
        if person.relationship:
            item += f' <span class="muted">({escape(person.relationship)})</span>'
        if person.phone:
            item += f' <a href="tel:{escape(person.tel)}">{escape(person.phone)}</a>'
        items.append(f"<li>{item}</li>")
    return f'<ul class="pickups">{"".join(items)}</ul>'


def _meal(row: SheetRow, words: dict[str, str]) -> str:
    diet = escape(row.diet_label)
    html = diet if row.is_standard_diet else f'<span class="badge badge--info">{diet}</span>'
    if row.packed_meal:
        html += f' <span class="badge">{words["packed_meal"]}</span>'
    if row.has_pai:
        notes = escape(row.pai_notes) if row.pai_notes else words["pai_default"]
        html += f'<p class="pai"><span class="flag">{words["pai"]}</span> {notes}</p>'
    return html


def _button(row: SheetRow, value: str, pressed: bool, word: str) -> str:
    # The clicked button sends its own name and value (the browser, and htmx alike).
    return (
        f'<button type="submit" name="presence" value="{value}" id="{value}-{row.booking_id}" '
        f'class="mark-button mark-button--{value}" '
        f'aria-pressed="{"true" if pressed else "false"}">{word}'
        f'<span class="visually-hidden"> : {escape(row.name)}</span></button>'
    )


def render_row(
    row: SheetRow, *, mark_url: str, csrf_token: str, is_open: bool, words: dict[str, str]
) -> str:
    """Return one expected child's <tr>: name and badges, class, meal, pick-up, marks."""
    badges = ""
    if row.absence_requested:
        badges += f' <span class="badge badge--wait">{words["absence_requested"]}</span>'
    if row.walk_in:
        badges += f' <span class="badge badge--info">{words["walk_in"]}</span>'
    buttons = ""
    if is_open:
        url = escape(mark_url)
        # hx-target, hx-swap and hx-disabled-elt are inherited from the table body.
        # One form per child (one CSRF token, not two): a 500-child sheet stays lighter.
        buttons = (
            f'<form method="post" action="{url}" hx-post="{url}" class="mark-buttons">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
            f'<input type="hidden" name="booking" value="{row.booking_id}">'
            + _button(row, "present", row.is_present, words["present"])
            + _button(row, "absent", row.is_absent, words["absent"])
            + "</form>"
        )
    return (
        f'<tr id="enfant-{row.booking_id}" class="attendance-row '
        f'attendance-row--{escape(row.presence)}">'
        f'<th scope="row" class="child-cell"><span class="child-name">{escape(row.name)}</span>'
        f"{badges}</th>"
        f"<td>{escape(row.class_label)}</td>"
        f'<td class="meal-cell">{_meal(row, words)}</td>'
        f'<td class="pickup-cell">{_pickups(row, words)}</td>'
        f'<td class="mark-cell"><p class="presence presence--{escape(row.presence)}">'
        f"{escape(row.presence_label)}</p>{buttons}</td></tr>"
    )


def _render(context: Any, rows: list[SheetRow]) -> SafeString:
    words = _labels()
    mark_url = str(context["mark_url"])
    csrf_token = str(context.get("csrf_token", ""))
    is_open = bool(context["is_open"])
    return mark_safe(  # safe: render_row escapes every dynamic part
        "".join(
            render_row(row, mark_url=mark_url, csrf_token=csrf_token, is_open=is_open, words=words)
            for row in rows
        )
    )


@register.simple_tag(takes_context=True)
def attendance_rows(context: Any, rows: list[SheetRow]) -> SafeString:
    """Render the sheet's rows; the context gives mark_url, csrf_token and is_open."""
    return _render(context, rows)


@register.simple_tag(takes_context=True)
def attendance_row(context: Any, row: SheetRow) -> SafeString:
    """Render one row (the htmx answer to a tap)."""
    return _render(context, [row])
