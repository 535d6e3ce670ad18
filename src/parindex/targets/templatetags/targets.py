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


@register.simple_tag
def target_url(user: Any, participation: Any = None, plan: Any = None) -> str:
    """The target page of a participation (or of a plan's unit in its source cycle), when
    the user may open it (permissions.may_plan_target); "" otherwise."""
    from django.urls import reverse

    from parindex.assessment import permissions as perm
    from parindex.assessment.models import Participation

    if participation is None and plan is not None:
        participation = (
            Participation.objects.select_related("cycle", "unit")
            .filter(cycle_id=plan.source_cycle_id, unit_id=plan.unit_id)
            .first()
        )
    if participation is None or not perm.may_plan_target(user, participation):
        return ""
    return reverse("target_page", args=[participation.pk])
