"""Errors of the target planner: what it was given does not allow an answer."""

from __future__ import annotations

from parindex.core import ParIndexError


class PlannerError(ParIndexError):
    """Base class of the planner's errors; the message says what is wrong, in Vietnamese."""
