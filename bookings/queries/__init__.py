"""Reads of bookings, one module per screen family; the family planning is re-exported here.

- planning: the family's month grid, upcoming days, what needs attention (portal);
- inbox, attendance, headcount, dashboard: the back-office lists (constant query counts).
"""

from bookings.queries.planning import (
    Action,
    Cell,
    MonthPlanning,
    PlanningRow,
    SiteGroup,
    month_planning,
    needing_attention,
    upcoming_bookings,
)

__all__ = [
    "Action",
    "Cell",
    "MonthPlanning",
    "PlanningRow",
    "SiteGroup",
    "month_planning",
    "needing_attention",
    "upcoming_bookings",
]
