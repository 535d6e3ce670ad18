"""Compute a unit's points, component indices, total, index and grade.

Formulas (the methodology officials audit):
- a leaf's points come from its rule; a missing input scores 0 and is reported;
- "không phát sinh" (not arising): `full_points` scores the leaf's max, `exclude` removes the
  leaf from the unit's maximum, `not_allowed` is an input error;
- a leaf that does not apply to the unit's type is removed from the unit's maximum;
- a leaf effective part of the period (valid_from/valid_to) has its points and maximum
  multiplied by (days effective / days of the period), both ends inclusive, rounded to 4;
- a node's points and maximum are the sums over its children; but a criterion with a gate
  leaf (`gate: true`) that fails (scored, appraised or missing with 0 points) scores 0, and
  its explanation names the gate;
- component index of a node = points / max x 100 (None when its max is 0);
- a block (`block: true`, e.g. a survey) declared absent for a unit (the input "không phát
  sinh" on the block's own code) leaves the maximum with all it contains; when the
  methodology says `absent_block: rescale`, the rest of its component (its parent; for a
  field, the unit's total) is rescaled to the full maximum: points x (A + B) / A, maximum
  A + B, where A is the applicable maximum of the rest and B the block's maximum;
- total = sum of field points + bonus (capped at `bonus_cap`) + deductions (floored at
  `deduction_floor`), kept within [0, unit max];
- index = total / unit max x 100; all Decimals rounded to 4 places, ROUND_HALF_UP.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .errors import InvalidValue, Issue, ValidationFailed
from .model import EXCLUDE, FULL_POINTS, RESCALE, Grade, Methodology, Node, Unit
from .numbers import HUNDRED, ZERO, fmt_vn, q4
from .rules import Bonus, Deduction, Manual, Scored, Thresholds
from .values import NotArising, Number, Ratio, Value

SCORED = "scored"
MISSING = "missing"
NA_FULL = "not_arising_full"
NA_EXCLUDED = "not_arising_excluded"
NOT_APPLICABLE = "not_applicable"
AGGREGATE = "aggregate"
ADJUSTED = "adjusted"
GATED = "gated"
ABSENT = "absent"
RESCALED = "rescaled"
_FAILABLE = (SCORED, ADJUSTED, MISSING)  # a gate with 0 points in these states has failed

STATUS_LABELS = {
    SCORED: "đã chấm",
    MISSING: "thiếu số liệu (tính 0 điểm)",
    NA_FULL: "không phát sinh (tính đủ điểm)",
    NA_EXCLUDED: "không phát sinh (loại khỏi điểm tối đa)",
    NOT_APPLICABLE: "không áp dụng cho loại đơn vị này",
    AGGREGATE: "tổng của các mục con",
    GATED: "bằng 0 vì điều kiện bắt buộc không đạt",
    ABSENT: "khối không tổ chức / vắng mặt (loại khỏi điểm tối đa)",
    RESCALED: "các mục còn lại quy đổi lên đủ điểm tối đa vì có khối vắng mặt",
    ADJUSTED: "điểm do Hội đồng thẩm định xác định",
}


@dataclass(frozen=True)
class Override:
    """Points set on a leaf by appraisal, replacing what the rule gives the input."""

    points: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class NodeResult:
    node: Node
    points: Decimal
    max_points: Decimal  # the maximum that applies to this unit
    status: str = AGGREGATE
    value: Value | None = None
    given_scored: Scored | None = None  # points not from the rule (appraisal), with a note
    children: tuple[NodeResult, ...] = ()

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def scored(self) -> Scored | None:
        """The rule's points and branch for this input. Computed again when asked (the rule
        is deterministic): keeping one per leaf of every unit would double what a national
        computation keeps in memory, for explanations that are read one unit at a time."""
        if self.given_scored is not None:
            return self.given_scored
        rule = self.node.rule
        if self.status == SCORED and rule is not None and self.value is not None:
            return rule.score(self.value, self.node.max_points)
        return None

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
        text = self._explanation
        pr = self.node.prorate
        if pr is None or self.status == NOT_APPLICABLE:
            return text
        return (
            f"{text} Hiệu lực {pr.start:%d/%m/%Y}–{pr.end:%d/%m/%Y}: {pr.days}/{pr.of} ngày; "
            f"điểm và điểm tối đa × {pr.days}/{pr.of} → {fmt_vn(self.points, 4)} / "
            f"{fmt_vn(self.max_points, 4)} điểm."
        )

    @property
    def _explanation(self) -> str:
        pts = fmt_vn(self.points, 4)
        if self.status == GATED:
            failed = ", ".join(
                c.code for c in self.children if c.node.gate and c.status in _FAILABLE
            )
            summed = sum((c.points for c in self.children), ZERO)
            return (
                f"Điều kiện bắt buộc {failed} không đạt (0 điểm) nên cả mục bằng 0 "
                f"(tổng các mục con lẽ ra là {fmt_vn(summed, 4)}): {pts} / "
                f"{fmt_vn(self.max_points, 2)} điểm"
            )
        if self.status == RESCALED:
            gone = [c for c in self.children if c.status == ABSENT]
            rest = sum((c.points for c in self.children), ZERO)
            rest_max = sum((c.max_points for c in self.children), ZERO)
            codes = ", ".join(c.code for c in gone)
            return (
                f"Khối {codes} vắng mặt: các mục còn lại quy đổi lên đủ điểm tối đa: "
                f"{fmt_vn(rest, 4)} × {fmt_vn(self.max_points, 2)} / {fmt_vn(rest_max, 2)} "
                f"→ {pts} / {fmt_vn(self.max_points, 2)} điểm"
            )
        if self.status == ABSENT and self.children:
            return f"Khối vắng mặt (không tổ chức): loại khỏi điểm tối đa. Điểm: {pts}."
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
        said = STATUS_LABELS[self.status].capitalize()
        if isinstance(self.value, Ratio):  # 0/0, shown as typed
            said = f"Giá trị nhập: {self.value}. {said}"
        return f"{said}. Quy tắc: {rule_text}. Điểm: {pts}."


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


_new = object.__new__
_SET = tuple(
    NodeResult.__dict__[name].__set__
    for name in ("node", "points", "max_points", "status", "value", "given_scored", "children")
)


def _result(
    node: Node,
    points: Decimal,
    max_points: Decimal,
    status: str,
    value: Value | None = None,
    given_scored: Scored | None = None,
    children: tuple[NodeResult, ...] = (),
) -> NodeResult:
    """NodeResult(...) on the hot path: the same frozen object, built about twice as fast
    as through the generated __init__ of a frozen dataclass (object.__setattr__ per field)."""
    r = _new(NodeResult)
    s_node, s_points, s_max, s_status, s_value, s_given, s_children = _SET
    s_node(r, node)
    s_points(r, points)
    s_max(r, max_points)
    s_status(r, status)
    s_value(r, value)
    s_given(r, given_scored)
    s_children(r, children)
    return r


def score_leaf(m: Methodology, leaf: Node, unit: Unit, value: Value | None) -> NodeResult:
    """Score one leaf for one unit (pro-rated when it is effective part of the period).
    Raises InvalidValue when the value does not fit."""
    result = _score_leaf(m, leaf, unit, value)
    return result if leaf.prorate is None else _prorated(result)


def _score_leaf(m: Methodology, leaf: Node, unit: Unit, value: Value | None) -> NodeResult:
    if leaf.applies_to is not None and unit.type not in leaf.applies_to:  # leaf.applies()
        return _result(leaf, ZERO, ZERO, NOT_APPLICABLE, value)
    if value is None:
        return _result(leaf, ZERO, leaf.max_points, MISSING)
    if isinstance(value, NotArising) or (value.__class__ is Ratio and value.total == 0):
        # 0/0 is "không phát sinh": nothing to do this year, the leaf's policy decides
        policy = m.policy(leaf)
        if policy == FULL_POINTS:
            return NodeResult(leaf, leaf.max_points, leaf.max_points, NA_FULL, value)
        if policy == EXCLUDE:
            return NodeResult(leaf, ZERO, ZERO, NA_EXCLUDED, value)
        if isinstance(value, Ratio):
            raise InvalidValue(f"{value}: mục này không được khai báo 'không phát sinh' (0/0)")
        raise InvalidValue("mục này không được khai báo 'không phát sinh'")
    if leaf.rule is None:  # pragma: no cover - the loader refuses leaves without rules
        raise InvalidValue("mục này không có quy tắc chấm")
    return _result(leaf, leaf.rule.points(value, leaf.max_points), leaf.max_points, SCORED, value)


_NO_OVERRIDES: Mapping[str, Override] = {}
_RECURRING = (Thresholds, Manual, Bonus, Deduction)  # rules whose typed inputs recur
_MEMO_MAX = 200_000
Memo = dict[tuple[str, str, int], NodeResult]


def _overridden(node: Node, override: Override, value: Value | None) -> NodeResult:
    points = q4(min(max(override.points, ZERO), node.max_points))
    note = override.note
    return NodeResult(node, points, node.max_points, ADJUSTED, value, Scored(points, lambda: note))


def _score_nodes(
    m: Methodology,
    program: tuple[tuple[Node, int], ...],
    unit: Unit,
    inputs: Mapping[str, Value],
    overrides: Mapping[str, Override],
    issues: list[Issue],
    missing: list[str],
    memo: Memo,
) -> tuple[NodeResult, ...]:
    """Score the nodes of `program` (post-order: each node after its children, with the count
    of its children) for one unit, and return the results of its roots. Invalid inputs go to
    `issues`, codes of applicable leaves without input to `missing` (in tree order).

    The hot path of a national computation, hence a loop over a flat program rather than a
    recursion, and `memo`: a leaf's result is shared between units when it cannot differ:
    same leaf, same unit type and the very same input object (results are immutable).
    parse_value returns shared yes/no, timeliness and "không phát sinh" values, and
    read_scores one object per leaf and typed text, so "100" or a count of 2 typed by many
    units scores once. Equal numbers typed differently (2 and 2,0) stay apart: each is shown
    as typed. Numbers are shared only for rules where they recur (bands, steps, counts), and
    the memo stops growing at _MEMO_MAX entries."""
    stack: list[NodeResult] = []
    push = stack.append
    gates = m.gates
    push_leaf = push
    if m.prorated:

        def push_leaf(r: NodeResult) -> None:
            push(_prorated(r) if r.node.prorate is not None else r)

    get = inputs.get
    unit_type = unit.type
    absent = absent_blocks(m, inputs)
    block_of = m.block_of
    rescale = bool(absent) and m.absent_block == RESCALE
    for node, n in program:
        if n:  # a parent: its children are the last n results
            children = tuple(stack[-n:])
            del stack[-n:]
            points = max_points = ZERO
            for r in children:
                points += r.points
                max_points += r.max_points
            status = AGGREGATE
            if gates and node.code in gates and _gate_failed(children):
                points, status = ZERO, GATED
            if absent:
                if block_of.get(node.code) in absent:
                    points, max_points, status = ZERO, ZERO, ABSENT
                elif rescale:
                    gone = sum((c.node.max_points for c in children if c.code in absent), ZERO)
                    if gone and max_points > 0 and status == GATED:
                        max_points += gone  # still 0 points, out of the full maximum
                    elif gone and max_points > 0:
                        points, max_points, status = _rescaled(points, max_points, gone)
            push(_result(node, points, max_points, status, None, None, children))
            continue
        code = node.code
        value = get(code)
        if absent and block_of.get(code) in absent:
            push(_result(node, ZERO, ZERO, ABSENT, value))
            continue
        if overrides:
            override = overrides.get(code)
            if override is not None and node.applies(unit_type):
                push_leaf(_overridden(node, override, value))
                continue
        rule = node.rule
        if (
            value.__class__ is Number
            and rule is not None
            and (node.applies_to is None or unit_type in node.applies_to)
        ):  # the common case, as in score_leaf
            key = None
            if rule.__class__ in _RECURRING:
                key = (code, unit_type, id(value))
                shared = memo.get(key)
                if shared is not None:
                    push_leaf(shared)
                    continue
            try:
                result = _result(
                    node, rule.points(value, node.max_points), node.max_points, SCORED, value
                )
            except InvalidValue as exc:
                issues.append(Issue(str(exc), unit=unit.code, code=code))
                missing.append(code)
                push_leaf(NodeResult(node, ZERO, node.max_points, MISSING))
                continue
            if key is not None and len(memo) < _MEMO_MAX:
                memo[key] = result  # keeps `value` alive, so its id stays its own
            push_leaf(result)
            continue
        key = None
        if len(memo) < _MEMO_MAX:
            key = (code, unit_type, id(value))
            shared = memo.get(key)
            if shared is not None:
                if shared.status == MISSING:
                    missing.append(code)
                push_leaf(shared)
                continue
        try:
            result = _score_leaf(m, node, unit, value)
        except InvalidValue as exc:
            issues.append(Issue(str(exc), unit=unit.code, code=code))
            result = NodeResult(node, ZERO, node.max_points, MISSING)
        else:
            if key is not None:
                memo[key] = result  # keeps `value` alive, so its id stays its own
        if result.status == MISSING:
            missing.append(code)
        push_leaf(result)
    return tuple(stack)


def _prorated(r: NodeResult) -> NodeResult:
    """A leaf effective part of the period: its points and maximum x days / period days."""
    f = r.node.prorate.factor  # type: ignore[union-attr]
    return _result(
        r.node,
        q4(r.points * f),
        q4(r.max_points * f),
        r.status,
        r.value,
        r.given_scored,
        r.children,
    )


def absent_blocks(m: Methodology, inputs: Mapping[str, Value]) -> frozenset[str]:
    """The blocks a unit declares absent: "không phát sinh" entered on the block's code."""
    if not m.blocks:
        return frozenset()
    return frozenset(c for c in m.blocks if inputs.get(c).__class__ is NotArising)


def _rescaled(points: Decimal, max_points: Decimal, gone: Decimal) -> tuple[Decimal, Decimal, str]:
    """The rest of a component rescaled to its full maximum when blocks worth `gone` points
    are absent: points x (rest + gone) / rest, maximum rest + gone."""
    full = max_points + gone
    return q4(points * full / max_points), full, RESCALED


def _gate_failed(children: tuple[NodeResult, ...]) -> bool:
    return any(c.node.gate and c.status in _FAILABLE and c.points == 0 for c in children)


def unit_totals(
    m: Methodology, base: Decimal, max_points: Decimal, adjustments: Iterable[NodeResult]
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(bonus, deduction, total, index) of a unit from the sum of its field points `base`, its
    applicable maximum and its adjustment results: bonus = the positive adjustments, capped
    at `bonus_cap`; deduction = the negative ones, floored at `deduction_floor`; total =
    base + bonus + deduction kept within [0, maximum], rounded to 4 places; index = total /
    maximum x 100 (0 when the maximum is 0). The one place of these formulas: compute_unit
    and the planner's what-if (parindex.planner.whatif) both call it."""
    bonus = deduction = ZERO
    for a in adjustments:
        if a.points > 0:
            bonus += a.points
        elif a.points < 0:
            deduction += a.points
    if m.bonus_cap is not None:
        bonus = min(bonus, m.bonus_cap)
    if m.deduction_floor is not None:
        deduction = max(deduction, m.deduction_floor)
    total = q4(min(max(base + bonus + deduction, ZERO), max_points))
    index = q4(total / max_points * HUNDRED) if max_points > 0 else ZERO
    return bonus, deduction, total, index


def compute_unit(
    m: Methodology,
    unit: Unit,
    inputs: Mapping[str, Value],
    overrides: Mapping[str, Override] = _NO_OVERRIDES,
    *,
    memo: Memo | None = None,
) -> UnitResult:
    """Compute every node of one unit. Raises ValidationFailed listing every invalid input.

    `overrides` sets the points of some leaves directly (appraisal stages); they are clamped
    to [0, leaf max] and a leaf of a type the unit does not have stays not applicable.
    `memo` (a dict, see _score_nodes) shares leaf results between the units of one
    methodology computed with it, as compute_all does: pass the same dict for every unit, and
    the same value object for the same input (parse each distinct text once).
    """
    issues: list[Issue] = []
    missing: list[str] = []
    memo = {} if memo is None else memo
    fields = _score_nodes(m, m.program, unit, inputs, overrides, issues, missing, memo)
    adjustments = _score_nodes(
        m,
        tuple((a, 0) for a in m.adjustments if a.code in inputs),
        unit,
        inputs,
        _NO_OVERRIDES,
        issues,
        [],
        memo,
    )
    if issues:
        raise ValidationFailed(issues)
    base = max_points = ZERO
    for f in fields:
        base += f.points
        max_points += f.max_points
    if m.absent_block == RESCALE and m.blocks:
        absent = absent_blocks(m, inputs)
        gone = sum((f.node.max_points for f in fields if f.code in absent), ZERO)
        if gone and max_points > 0:  # an absent field: the unit's total is the component
            base, max_points, _ = _rescaled(base, max_points, gone)
    bonus, deduction, total, index = unit_totals(m, base, max_points, adjustments)
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
        missing=tuple(missing),
    )


def compute_all(
    m: Methodology, units: list[Unit], inputs: Mapping[str, Mapping[str, Value]]
) -> list[UnitResult]:
    """Compute every unit; raises ValidationFailed with the issues of all units at once."""
    results = []
    issues: list[Issue] = []
    empty: dict[str, Value] = {}
    memo: Memo = {}
    with young_collections_only():
        for unit in units:
            try:
                results.append(compute_unit(m, unit, inputs.get(unit.code, empty), memo=memo))
            except ValidationFailed as exc:
                issues += exc.issues
    if issues:
        raise ValidationFailed(issues)
    return results


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None
_NO_FULL = 1 << 30


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Hold back the cyclic collector's full collections while many results are built.

    CPython runs a full collection, a pass over every tracked object of the process, each time
    the long-lived objects grow by a quarter. Building 4,000 unit results (about 500,000
    objects, none in a reference cycle: reference counting frees them as always) triggered
    nine full passes over a growing heap, costing more than the computation itself
    (docs/benchmarks.md). Young collections go on as usual, so cycles made meanwhile by any
    thread are still found; the thresholds are restored when the last computation running
    ends, and the collector then does its full pass once. Thread-safe.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(_gc_saved[0], _gc_saved[1], _NO_FULL)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                if gc.get_threshold()[2] == _NO_FULL:  # nobody else changed them meanwhile
                    gc.set_threshold(*_gc_saved)
                _gc_saved = None


_young_collections_only = young_collections_only  # the name it had
