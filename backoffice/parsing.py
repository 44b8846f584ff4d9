"""Parse what agents' browsers send in query strings and form fields, never crashing.

`"²".isdigit()` is true and `int("²")` fails; 25 digits overflow SQLite's integers; a year
9999 overflows a day later. These helpers turn such input into « nothing » (the view then
answers 404 or a French message), never into a 500.
"""

from __future__ import annotations

from datetime import date

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the days Marelle may ever show


def parse_id(value: str | None) -> int | None:
    """Return the primary key written in `value`, or None when it is not one."""
    text = (value or "").strip()
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def parse_month(value: str | None) -> date | None:
    """Return the first day of the month written `yyyy-mm` in `value`, or None."""
    text = (value or "").strip()
    year, _dash, month = text.partition("-")
    if len(year) != 4 or not 1 <= len(month) <= 2:
        return None
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    if not 1 <= int(month) <= 12:
        return None
    return within_years(date(int(year), int(month), 1))


def within_years(day: date | None) -> date | None:
    """Return `day` when it lies between 2000 and 2100 (so its neighbours exist), else None."""
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return day
