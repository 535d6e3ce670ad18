"""Template filters of the target planner: probabilities as percentages, the Vietnamese way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from parindex.web.templatetags.parindex import _format

register = template.Library()


@register.filter
def prob(value: Any) -> str:
    """A probability (0 to 1) as a percentage with one decimal: 0,6342 -> "63,4 %"."""
    if value is None or value == "":
        return "–"
    return f"{_format(Decimal(str(value)) * 100, 1)}\u00a0%"


@register.filter
def count(value: Any) -> str:
    """A whole number with dot thousands (10.000), or commas in English."""
    return _format(Decimal(int(value)), 0)
