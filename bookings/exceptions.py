"""Errors the booking services raise, each with a French message for the user."""

from __future__ import annotations


class BookingError(Exception):
    """A booking write was refused; the message says why, in French, and nothing changed."""

    @property
    def message(self) -> str:
        """Return the user-facing message."""
        return str(self)


class CapacityFull(BookingError):
    """No place remains for the activity on that day."""


class InvalidTransition(BookingError):
    """A booking cannot move from its state to the one asked."""
