"""Property tests: random valid methodologies and inputs keep the engine's invariants."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parindex.core import (
    Flag,
    Methodology,
    NotArising,
    Number,
    Status,
    Timeliness,
    Unit,
    competition_ranks,
    compute_unit,
    methodology_from_dict,
    methodology_to_dict,
    q4,
)
from parindex.core.model import NOT_ALLOWED

D = Decimal
ZERO = D(0)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNIT_TYPES = ["department", "commune"]
MAXES = [D("0.25"), D("0.5"), D("0.75"), D(1), D("1.5"), D(2), D(3)]
MONOTONE_KINDS = ("manual", "thresholds", "proportional", "survey")
ALL_KINDS = (*MONOTONE_KINDS, "yes_no", "timeliness")


def dec(lo: int, hi: int, places: int = 4) -> st.SearchStrategy[Decimal]:
    """Decimals in [lo, hi] with `places` decimals."""
    scale = 10**places
    return st.integers(lo * scale, hi * scale).map(lambda i: D(i).scaleb(-places))


def points_upto(mx: Decimal) -> st.SearchStrategy[Decimal]:
    return st.integers(0, int(mx * 100)).map(lambda i: D(i).scaleb(-2))


@st.composite
def thresholds(draw: st.DrawFn, mx: Decimal, monotone: bool) -> dict[str, Any]:
    over = draw(st.sampled_from(["percent", "count"]))
    if over == "percent":
        cuts = draw(st.lists(dec(1, 99, 2), max_size=4, unique=True))
    else:
        cuts = draw(st.lists(st.integers(1, 50).map(D), max_size=4, unique=True))
    cuts.sort()
    points = [draw(points_upto(mx)) for _ in range(len(cuts) + 1)]
    if monotone:
        points.sort()
    # Each cut belongs to the band above (from inclusive) or below (to inclusive).
    upper = [draw(st.booleans()) for _ in cuts]
    bands: list[dict[str, Any]] = []
    bounds = [None, *cuts, None]
    for i, pts in enumerate(points):
        band: dict[str, Any] = {"points": pts}
        lo, hi = bounds[i], bounds[i + 1]
        if lo is not None:
            band["from"] = lo
            band["from_inclusive"] = upper[i - 1]
        elif draw(st.booleans()):
            band["from"] = 0
        if hi is not None:
            band["to"] = hi
            band["to_inclusive"] = not upper[i]
        elif over == "percent" and draw(st.booleans()):
            band["to"] = 100
            band["to_inclusive"] = True
        bands.append(band)
    order = draw(st.permutations(range(len(bands))))  # band order in the file is free
    return {"kind": "thresholds", "over": over, "bands": [bands[i] for i in order]}


@st.composite
def rule(draw: st.DrawFn, mx: Decimal, kinds: tuple[str, ...], monotone: bool) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    if kind == "manual":
        return {"kind": "manual", "step": draw(st.sampled_from([D("0.25"), D("0.0001"), ZERO]))}
    if kind == "thresholds":
        return draw(thresholds(mx, monotone))
    if kind == "proportional":
        return {"kind": "proportional", "full_at": draw(st.sampled_from([D(100), D(80), D(5)]))}
    if kind == "survey":
        return {"kind": "survey"}
    if kind == "yes_no":
        spec: dict[str, Any] = {"kind": "yes_no"}
        if draw(st.booleans()):
            spec["yes"] = draw(points_upto(mx))
            spec["no"] = draw(points_upto(spec["yes"]))
        return spec
    spec = {"kind": "timeliness"}
    if draw(st.booleans()):
        spec["on_time"] = draw(points_upto(mx))
        spec["late"] = draw(points_upto(mx))
        spec["not_done"] = draw(points_upto(mx))
    return spec


@st.composite
def methodologies(draw: st.DrawFn, monotone: bool = False) -> Methodology:
    kinds = MONOTONE_KINDS if monotone else ALL_KINDS
    policies = ["exclude", "full_points", "not_allowed"]
    fields = []
    for f in range(1, draw(st.integers(1, 3)) + 1):
        criteria = []
        for c in range(1, draw(st.integers(1, 3)) + 1):
            leaves = []
            for s in range(1, draw(st.integers(1, 3)) + 1):
                mx = draw(st.sampled_from(MAXES))
                leaf: dict[str, Any] = {
                    "code": f"{f}.{c}.{s}",
                    "name": f"TCTP {f}.{c}.{s}",
                    "max": mx,
                    "rule": draw(rule(mx, kinds, monotone)),
                }
                if draw(st.integers(0, 4)) == 0:
                    leaf["applies_to"] = [draw(st.sampled_from(UNIT_TYPES))]
                if draw(st.integers(0, 3)) == 0:
                    leaf["not_arising"] = draw(st.sampled_from(policies))
                leaves.append(leaf)
            total = sum((x["max"] for x in leaves), ZERO)
            criteria.append(
                {"code": f"{f}.{c}", "name": f"TC {f}.{c}", "max": total, "children": leaves}
            )
        total = sum((x["max"] for x in criteria), ZERO)
        fields.append({"code": str(f), "name": f"LV {f}", "max": total, "children": criteria})
    adjustments = []
    for i in range(draw(st.integers(0, 2))):
        per_unit = draw(st.sampled_from([None, D("0.25"), D("0.5")]))
        spec = {"kind": "bonus"} if per_unit is None else {"kind": "bonus", "per_unit": per_unit}
        adjustments.append({"code": f"T{i}", "name": "Thưởng", "max": D(1), "rule": spec})
    for i in range(draw(st.integers(0, 2))):
        adjustments.append(
            {
                "code": f"D{i}",
                "name": "Trừ",
                "max": draw(st.sampled_from([D("0.5"), D(1), D(2)])),
                "rule": {"kind": "deduction", "per_unit": draw(st.sampled_from([D("0.25"), D(1)]))},
            }
        )
    data: dict[str, Any] = {
        "format": "parindex-methodology/1",
        "code": "gen",
        "name": "Sinh ngẫu nhiên",
        "version": "1",
        "unit_types": UNIT_TYPES,
        "not_arising_default": draw(st.sampled_from(policies)),
        "fields": fields,
        "adjustments": adjustments,
    }
    if draw(st.booleans()):
        data["bonus_cap"] = draw(st.sampled_from([D("0.5"), D(1)]))
    if draw(st.booleans()):
        data["deduction_floor"] = draw(st.sampled_from([D(-1), D("-0.5")]))
    return methodology_from_dict(data, "gen.yaml")


@st.composite
def value_for(draw: st.DrawFn, node: Any) -> Any:
    """A valid value for a leaf (never NA; see inputs())."""
    r = node.rule
    mx = node.max_points
    if r.kind == "manual":
        step = r.step if r.step > 0 else D("0.0001")
        return Number(step * draw(st.integers(0, int(mx / step))))
    if r.kind == "yes_no":
        return Flag(draw(st.booleans()))
    if r.kind == "timeliness":
        return Status(draw(st.sampled_from(list(Timeliness))))
    if r.kind == "thresholds":
        return Number(draw(dec(0, 100)) if r.over == "percent" else draw(dec(0, 80, 2)))
    if r.kind == "proportional":
        return Number(draw(dec(0, int(r.full_at) * 2)))
    if r.kind == "survey":
        return Number(draw(dec(0, 100)))
    return Number(draw(dec(0, 6, 2)))  # bonus / deduction counts


@st.composite
def inputs(draw: st.DrawFn, m: Methodology) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in [*m.leaves, *m.adjustments]:
        choice = draw(st.integers(0, 19))
        if choice == 0:
            continue  # missing
        if choice == 1 and m.policy(node) != NOT_ALLOWED:
            out[node.code] = NotArising()
            continue
        out[node.code] = draw(value_for(node))
    return out


@st.composite
def cases(draw: st.DrawFn, monotone: bool = False) -> tuple[Methodology, Unit, dict[str, Any]]:
    m = draw(methodologies(monotone))
    unit = Unit("U", type=draw(st.sampled_from([*UNIT_TYPES, "province"])))
    return m, unit, draw(inputs(m))


@SETTINGS
@given(cases())
def test_invariants(case):
    m, unit, values = case
    r = compute_unit(m, unit, values)
    for field in r.fields:
        for node in field.walk():
            assert ZERO <= node.points <= node.max_points <= node.node.max_points, node.code
            if node.children:
                assert node.points == sum((c.points for c in node.children), ZERO)
                assert node.max_points == sum((c.max_points for c in node.children), ZERO)
            if node.index is not None:
                assert ZERO <= node.index <= 100
            assert node.explanation
    assert r.max_points == sum((f.max_points for f in r.fields), ZERO)
    # adjustments
    positive = sum((a.points for a in r.adjustments if a.points > 0), ZERO)
    negative = sum((a.points for a in r.adjustments if a.points < 0), ZERO)
    for a in r.adjustments:
        assert -a.node.max_points <= a.points <= a.node.max_points
    bonus = positive if m.bonus_cap is None else min(positive, m.bonus_cap)
    deduction = negative if m.deduction_floor is None else max(negative, m.deduction_floor)
    assert (r.bonus, r.deduction) == (bonus, deduction)
    # total = fields + bonus + deduction, clamped to [0, max]
    base = sum((f.points for f in r.fields), ZERO)
    assert r.base_points == base
    assert r.points == q4(min(max(base + bonus + deduction, ZERO), r.max_points))
    assert ZERO <= r.index <= 100
    if r.max_points > 0:
        assert r.index == q4(r.points / r.max_points * 100)
    assert r.grade is not None and r.grade == m.grade_for(r.index)
    # missing leaves are exactly the applicable leaves without an input
    expected_missing = tuple(
        n.code for n in m.leaves if n.code not in values and n.applies(unit.type)
    )
    assert r.missing == expected_missing


@SETTINGS
@given(cases(monotone=True), st.data())
def test_index_is_monotone_in_each_input_of_a_monotone_rule(case, data):
    m, unit, values = case
    leaf = data.draw(st.sampled_from(m.leaves))
    a = data.draw(value_for(leaf))
    b = data.draw(value_for(leaf))
    low, high = sorted([a, b], key=lambda v: v.value)
    r_low = compute_unit(m, unit, {**values, leaf.code: low})
    r_high = compute_unit(m, unit, {**values, leaf.code: high})
    assert r_low.nodes[leaf.code].points <= r_high.nodes[leaf.code].points
    assert r_low.points <= r_high.points
    assert r_low.index <= r_high.index
    for f_low, f_high in zip(r_low.fields, r_high.fields, strict=True):
        assert f_low.points <= f_high.points


@SETTINGS
@given(methodologies())
def test_generated_methodologies_round_trip(m):
    assert methodology_from_dict(methodology_to_dict(m), "again.yaml") == m


KEYS = st.lists(st.tuples(st.integers(0, 5).map(D), st.integers(0, 2).map(D)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(KEYS, st.booleans())
def test_competition_ranks_invariants(keys, long_key):
    items = keys if long_key else [k[:1] for k in keys]
    ranks = competition_ranks(items, lambda k: k)
    assert len(ranks) == len(items)
    if items:
        assert 1 in ranks
        assert min(ranks) == 1
    for i, ki in enumerate(items):
        # rank = 1 + the number of strictly greater keys
        assert ranks[i] == 1 + sum(1 for k in items if k > ki)
        assert 1 <= ranks[i] <= len(items)
        for j, kj in enumerate(items):
            assert (ki == kj) == (ranks[i] == ranks[j])
            if ki > kj:
                assert ranks[i] < ranks[j]
    # sorted by rank, the keys are non-increasing
    by_rank = [k for _, k in sorted(zip(ranks, items, strict=True), key=lambda p: p[0])]
    assert all(x >= y for x, y in zip(by_rank, by_rank[1:], strict=False))
