"""Scoring rules: how one leaf turns its input into points.

Each rule is a frozen dataclass with `score(value, max_points) -> Scored`, which returns the
points and the branch of the rule that was taken, so every score can explain itself, and
`points(value, max_points)`, the same points without the explanation (the engine's hot path;
`score` is `points` plus an explanation built only when asked). Both raise InvalidValue.
`check(max_points)` lists what is wrong with the rule itself (for the validator).

The kinds live in `classic` (manual ... deduction) and `counts` (ratio, piecewise); this
module is their registry: `RULE_KINDS`, `rule_from_dict`, `is_percent`, `check_entry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InvalidValue
from ..numbers import HUNDRED, ZERO, to_decimal
from ..values import Number, Ratio, Value
from .classic import (
    COUNT,
    PERCENT,
    Band,
    Bonus,
    Deduction,
    Manual,
    Proportional,
    Scored,
    Survey,
    Thresholds,
    TimelinessRule,
    YesNo,
    _band,
    _opt,
    _or,
    _required,
    _val,
    _yes_no_keys,
)
from .counts import Breakpoint, Piecewise, RatioRule, piecewise_from_dict, ratio_from_dict

__all__ = [
    "ADJUSTMENT_KINDS",
    "COUNT",
    "PERCENT",
    "RULE_KINDS",
    "Band",
    "Bonus",
    "Breakpoint",
    "Deduction",
    "Manual",
    "Piecewise",
    "Proportional",
    "RatioRule",
    "Rule",
    "Scored",
    "Survey",
    "Thresholds",
    "TimelinessRule",
    "YesNo",
    "check_entry",
    "is_percent",
    "rule_from_dict",
]

Rule = (
    Manual
    | YesNo
    | Thresholds
    | Proportional
    | TimelinessRule
    | Survey
    | Bonus
    | Deduction
    | RatioRule
    | Piecewise
)
ADJUSTMENT_KINDS = ("bonus", "deduction")


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Rule]] = {
    "manual": lambda s: Manual(step=to_decimal(s.get("step", "0.25"))),
    "yes_no": lambda s: YesNo(
        yes=_opt(_yes_no_keys(s), "yes"), no=_or(_yes_no_keys(s), "no", ZERO)
    ),
    "thresholds": lambda s: Thresholds(
        bands=tuple(_band(b) for b in s.get("bands") or []), over=str(s.get("over", PERCENT))
    ),
    "proportional": lambda s: Proportional(full_at=_or(s, "full_at", HUNDRED)),
    "timeliness": lambda s: TimelinessRule(
        on_time=_opt(s, "on_time"), late=_opt(s, "late"), not_done=_or(s, "not_done", ZERO)
    ),
    "survey": lambda s: Survey(),
    "bonus": lambda s: Bonus(per_unit=_opt(s, "per_unit")),
    "deduction": lambda s: Deduction(per_unit=_required(s, "per_unit", "deduction")),
    "ratio": lambda s: ratio_from_dict(s, _band),
    "piecewise": piecewise_from_dict,
}
RULE_KINDS = tuple(_BUILDERS)


def rule_from_dict(spec: Mapping[str, Any]) -> Rule:
    """Build a rule from its YAML/Excel form. Raises ValueError with a Vietnamese message."""
    kind = spec.get("kind")
    if kind == "thresholds" and not isinstance(spec.get("bands") or [], list):
        raise ValueError("'bands' của quy tắc ngưỡng phải là một danh sách")
    if not isinstance(kind, str) or kind not in _BUILDERS:
        raise ValueError(f"loại quy tắc không hợp lệ '{kind}' (các loại: {', '.join(RULE_KINDS)})")
    return _BUILDERS[str(kind)](spec)


def is_percent(rule: Rule | None) -> bool:
    """Whether the rule's input is a percentage (0-100): thresholds over a percent, a survey
    rate, a proportional rule full at 100 (a rate). The form shows "%" beside these inputs."""
    if isinstance(rule, Thresholds):
        return rule.over == PERCENT
    if isinstance(rule, Proportional):
        return rule.full_at == HUNDRED
    if isinstance(rule, Piecewise):
        return rule.over == PERCENT
    return isinstance(rule, Survey)


def check_entry(rule: Rule | None, value: Value) -> None:
    """What an official may enter for a leaf beyond what the rule scores: a percentage stays
    within 0-100 for every rule kind (a proportional rule would cap 855 silently). Raises
    InvalidValue with the message shown on the row."""
    if isinstance(value, Ratio) and value.done > value.total:
        raise InvalidValue(f"số đã thực hiện lớn hơn tổng số ({value})")
    if isinstance(value, Number) and is_percent(rule) and not ZERO <= value.value <= HUNDRED:
        raise InvalidValue(f"tỷ lệ {_val(value.value)}% ngoài khoảng 0–100%")
