"""Every write to enrolments and bookings: one transaction and audit events per call.

The package splits the services by subdomain; import them from here.
"""

from bookings.services.absences import declare_absence, declare_leave
from bookings.services.attendance import record_presence, record_walk_in, refresh_booking
from bookings.services.base import (
    OUTCOME_LEVELS,
    BookingRequest,
    ClosureResult,
    DayResult,
    Outcome,
    waiting_rank,
)
from bookings.services.closures import close_days
from bookings.services.decisions import (
    approve_request,
    cancel_request,
    cancel_requests,
    promote_waiting_list,
    refuse_request,
)
from bookings.services.patterns import apply_weekly_pattern
from bookings.services.requests import request_bookings

__all__ = [
    "OUTCOME_LEVELS",
    "BookingRequest",
    "ClosureResult",
    "DayResult",
    "Outcome",
    "apply_weekly_pattern",
    "approve_request",
    "cancel_request",
    "cancel_requests",
    "close_days",
    "declare_absence",
    "declare_leave",
    "promote_waiting_list",
    "record_presence",
    "record_walk_in",
    "refresh_booking",
    "refuse_request",
    "request_bookings",
    "waiting_rank",
]
