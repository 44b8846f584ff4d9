"""Path converters of the back-office: days as ISO dates (/gestion/pointage/3/2026-04-02/)."""

from __future__ import annotations

from datetime import date

from backoffice.parsing import within_years


class IsoDateConverter:
    """Match `yyyy-mm-dd` and give a `date`; an impossible date is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        day = within_years(date.fromisoformat(value))  # ValueError → no match → 404
        if day is None:
            raise ValueError(value)  # before 2000 or after 2100: no neighbours to link to
        return day

    def to_url(self, value: date) -> str:
        return value.isoformat()
