"""Compute a unit's points, component indices, total, index and grade.

Formulas (the methodology officials audit):
- a leaf's points come from its rule; a missing input scores 0 and is reported;
- "không phát sinh" (not arising): `full_points` scores the leaf's max, `exclude` removes the
  leaf from the unit's maximum, `not_allowed` is an input error;
- a leaf that does not apply to the unit's type is removed from the unit's maximum;
- a node's points and maximum are the sums over its children;
- component index of a node = points / max x 100 (None when its max is 0);
- total = sum of field points + bonus (capped at `bonus_cap`) + deductions (floored at
  `deduction_floor`), kept within [0, unit max];
- index = total / unit max x 100; all Decimals rounded to 4 places, ROUND_HALF_UP.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .errors import InvalidValue, Issue, ValidationFailed
from .model import EXCLUDE, FULL_POINTS, Grade, Methodology, Node, Unit
from .numbers import HUNDRED, ZERO, fmt_vn, q4
from .rules import Scored
from .values import NotArising, Value

SCORED = "scored"
MISSING = "missing"
NA_FULL = "not_arising_full"
NA_EXCLUDED = "not_arising_excluded"
NOT_APPLICABLE = "not_applicable"
AGGREGATE = "aggregate"
ADJUSTED = "adjusted"

STATUS_LABELS = {
    SCORED: "đã chấm",
    MISSING: "thiếu số liệu (tính 0 điểm)",
    NA_FULL: "không phát sinh (tính đủ điểm)",
    NA_EXCLUDED: "không phát sinh (loại khỏi điểm tối đa)",
    NOT_APPLICABLE: "không áp dụng cho loại đơn vị này",
    AGGREGATE: "tổng của các mục con",
    ADJUSTED: "điểm do Hội đồng thẩm định xác định",
}


@dataclass(frozen=True)
class Override:
    """Points set on a leaf by appraisal, replacing what the rule gives the input."""

    points: Decimal
    note: str = ""


@dataclass(frozen=True)
class NodeResult:
    node: Node
    points: Decimal
    max_points: Decimal  # the maximum that applies to this unit
    status: str = AGGREGATE
    value: Value | None = None
    scored: Scored | None = None
    children: tuple[NodeResult, ...] = ()

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def index(self) -> Decimal | None:
        if self.max_points == 0:
            return None
        return q4(self.points / self.max_points * HUNDRED)

    @property
    def lost(self) -> Decimal:
        """Points lost against the applicable maximum (0 for bonus/deduction items)."""
        return max(self.max_points - self.points, ZERO) if self.status != NOT_APPLICABLE else ZERO

    def walk(self) -> Iterator[NodeResult]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def explanation(self) -> str:
        """Input, rule branch taken and points, in Vietnamese."""
        pts = fmt_vn(self.points, 4)
        if self.status == AGGREGATE:
            return f"Tổng {len(self.children)} mục con: {pts} / {fmt_vn(self.max_points, 2)} điểm"
        rule = self.node.rule
        rule_text = rule.describe(self.node.max_points) if rule else ""
        if self.status == ADJUSTED:
            return f"Thẩm định xác định {pts} điểm. {self.scored.branch if self.scored else ''}"
        if self.status == SCORED and self.scored is not None:
            return (
                f"Giá trị nhập: {self.value}. Quy tắc: {rule_text}. Áp dụng: {self.scored.branch}."
            )
        return f"{STATUS_LABELS[self.status].capitalize()}. Quy tắc: {rule_text}. Điểm: {pts}."


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    fields: tuple[NodeResult, ...]
    adjustments: tuple[NodeResult, ...]
    base_points: Decimal
    bonus: Decimal
    deduction: Decimal
    points: Decimal
    max_points: Decimal
    index: Decimal
    grade: Grade | None
    missing: tuple[str, ...]

    @cached_property
    def nodes(self) -> dict[str, NodeResult]:
        out = {n.code: n for f in self.fields for n in f.walk()}
        out.update((a.code, a) for a in self.adjustments)
        return out

    def field_index(self, code: str) -> Decimal | None:
        return self.nodes[code].index


def score_leaf(m: Methodology, leaf: Node, unit: Unit, value: Value | None) -> NodeResult:
    """Score one leaf for one unit. Raises InvalidValue when the value does not fit."""
    if not leaf.applies(unit.type):
        return NodeResult(leaf, ZERO, ZERO, NOT_APPLICABLE, value)
    if value is None:
        return NodeResult(leaf, ZERO, leaf.max_points, MISSING)
    if isinstance(value, NotArising):
        policy = m.policy(leaf)
        if policy == FULL_POINTS:
            return NodeResult(leaf, leaf.max_points, leaf.max_points, NA_FULL, value)
        if policy == EXCLUDE:
            return NodeResult(leaf, ZERO, ZERO, NA_EXCLUDED, value)
        raise InvalidValue("mục này không được khai báo 'không phát sinh'")
    if leaf.rule is None:  # pragma: no cover - the loader refuses leaves without rules
        raise InvalidValue("mục này không có quy tắc chấm")
    scored = leaf.rule.score(value, leaf.max_points)
    return NodeResult(leaf, scored.points, leaf.max_points, SCORED, value, scored)


def _score_tree(
    m: Methodology,
    node: Node,
    unit: Unit,
    inputs: Mapping[str, Value],
    issues: list[Issue],
    overrides: Mapping[str, Override],
) -> NodeResult:
    if node.is_leaf:
        override = overrides.get(node.code)
        if override is not None and node.applies(unit.type):
            points = q4(min(max(override.points, ZERO), node.max_points))
            note = override.note
            return NodeResult(
                node,
                points,
                node.max_points,
                ADJUSTED,
                inputs.get(node.code),
                Scored(points, lambda: note),
            )
        try:
            return score_leaf(m, node, unit, inputs.get(node.code))
        except InvalidValue as exc:
            issues.append(Issue(str(exc), unit=unit.code, code=node.code))
            return NodeResult(node, ZERO, node.max_points, MISSING)
    children = tuple(_score_tree(m, c, unit, inputs, issues, overrides) for c in node.children)
    return NodeResult(
        node,
        sum((c.points for c in children), ZERO),
        sum((c.max_points for c in children), ZERO),
        AGGREGATE,
        children=children,
    )


_NO_OVERRIDES: Mapping[str, Override] = {}


def compute_unit(
    m: Methodology,
    unit: Unit,
    inputs: Mapping[str, Value],
    overrides: Mapping[str, Override] = _NO_OVERRIDES,
) -> UnitResult:
    """Compute every node of one unit. Raises ValidationFailed listing every invalid input.

    `overrides` sets the points of some leaves directly (appraisal stages); they are clamped
    to [0, leaf max] and a leaf of a type the unit does not have stays not applicable.
    """
    issues: list[Issue] = []
    fields = tuple(_score_tree(m, f, unit, inputs, issues, overrides) for f in m.fields)
    adjustments = tuple(
        _score_tree(m, a, unit, inputs, issues, _NO_OVERRIDES)
        for a in m.adjustments
        if a.code in inputs
    )
    if issues:
        raise ValidationFailed(issues)
    base = sum((f.points for f in fields), ZERO)
    max_points = sum((f.max_points for f in fields), ZERO)
    bonus = sum((a.points for a in adjustments if a.points > 0), ZERO)
    if m.bonus_cap is not None:
        bonus = min(bonus, m.bonus_cap)
    deduction = sum((a.points for a in adjustments if a.points < 0), ZERO)
    if m.deduction_floor is not None:
        deduction = max(deduction, m.deduction_floor)
    total = q4(min(max(base + bonus + deduction, ZERO), max_points))
    index = q4(total / max_points * HUNDRED) if max_points > 0 else ZERO
    missing = tuple(
        r.code for f in fields for r in f.walk() if r.status == MISSING and not r.children
    )
    return UnitResult(
        unit=unit,
        fields=fields,
        adjustments=adjustments,
        base_points=q4(base),
        bonus=q4(bonus),
        deduction=q4(deduction),
        points=total,
        max_points=q4(max_points),
        index=index,
        grade=m.grade_for(index),
        missing=missing,
    )


def compute_all(
    m: Methodology, units: list[Unit], inputs: Mapping[str, Mapping[str, Value]]
) -> list[UnitResult]:
    """Compute every unit; raises ValidationFailed with the issues of all units at once."""
    results = []
    issues: list[Issue] = []
    empty: dict[str, Value] = {}
    for unit in units:
        try:
            results.append(compute_unit(m, unit, inputs.get(unit.code, empty)))
        except ValidationFailed as exc:
            issues += exc.issues
    if issues:
        raise ValidationFailed(issues)
    return results
