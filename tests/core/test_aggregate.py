"""Aggregation: the golden example worked out by hand, and every policy around it."""

from __future__ import annotations

import copy
import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from parindex.core import (
    Flag,
    Methodology,
    NotArising,
    Number,
    Override,
    Status,
    Timeliness,
    Unit,
    UnitResult,
    ValidationFailed,
    competition_ranks,
    compute_all,
    compute_unit,
    methodology_from_dict,
    parse_value,
    ranked,
)
from parindex.core.aggregate import (
    AGGREGATE,
    MISSING,
    NA_EXCLUDED,
    NA_FULL,
    NOT_APPLICABLE,
    SCORED,
)

D = Decimal
DATA = Path(__file__).resolve().parents[1] / "data"


def small_dict() -> dict[str, Any]:
    return yaml.safe_load((DATA / "small.yaml").read_text(encoding="utf-8"))


def small(**changes: Any) -> Methodology:
    data = small_dict()
    data.update(changes)
    return methodology_from_dict(data, "small.yaml")


def read_small_scores(m: Methodology) -> tuple[list[Unit], dict[str, dict[str, Any]]]:
    """small-scores.csv read with the csv module and parse_value (no file layer)."""
    units: dict[str, Unit] = {}
    inputs: dict[str, dict[str, Any]] = {}
    with (DATA / "small-scores.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            units.setdefault(row["unit"], Unit(row["unit"], type=row["unit_type"]))
            rule = m.nodes[row["code"]].rule
            assert rule is not None
            inputs.setdefault(row["unit"], {})[row["code"]] = parse_value(
                row["value"], rule.expects
            )
    return list(units.values()), inputs


@pytest.fixture(scope="module")
def golden() -> dict[str, UnitResult]:
    m = small()
    units, inputs = read_small_scores(m)
    return {r.unit.code: r for r in compute_all(m, units, inputs)}


# --- the golden example ----------------------------------------------------------------------
#
# small.yaml: field 1 (max 4) = 1.1 {1.1.1 timeliness, 1.1.2 thresholds} + 1.2 {1.2.1 yes_no
# with not_arising: full_points, 1.2.2 manual step 0.25}; field 2 (max 6) = 2.1 {2.1.1
# proportional max 2, 2.1.2 yes_no max 2 for communes only} + 2.2 {2.2.1 survey max 2};
# adjustments T1 bonus 0.5 per unit (max 1), D1 deduction 0.25 per unit (max 1);
# bonus_cap 1, deduction_floor -1.
#
# SO-A (department)
#   1.1.1 "đúng hạn"  -> on time = max                 = 1
#   1.1.2 "85,5"      -> band [80, 100)                = 0.5
#   1.2.1 "có"        -> yes = max                     = 1
#   1.2.2 "0.75"      -> manual, on the 0.25 step      = 0.75
#   field 1 = 1 + 0.5 + 1 + 0.75 = 3.25 / 4            -> 81.25
#   2.1.1 "90"        -> 90 / 100 x 2                  = 1.8
#   2.1.2 (no input)  -> communes only: not applicable, its 2 points leave the maximum
#   2.2.1 "80"        -> 80 % x 2 / 100                = 1.6
#   field 2 = 1.8 + 1.6 = 3.4 / (6 - 2 = 4)            -> 85
#   T1 "1"            -> 1 x 0.5                       = +0.5 (under the cap of 1)
#   total = 3.25 + 3.4 + 0.5 = 7.15 / (10 - 2 = 8)     -> 89.375 -> band B (80 <= x < 90)
#
# XA-B (commune)
#   1.1.1 "late"            -> max / 2                 = 0.5
#   1.1.2 "100"             -> band = 100 %            = 1
#   1.2.1 "không phát sinh" -> policy full_points      = 1
#   1.2.2 "1"               -> manual                  = 1
#   field 1 = 0.5 + 1 + 1 + 1 = 3.5 / 4                -> 87.5
#   2.1.1 "100" -> 2;  2.1.2 "yes" -> 2;  2.2.1 "90" -> 90 % x 2 = 1.8
#   field 2 = 2 + 2 + 1.8 = 5.8 / 6                    -> 96.66666... -> 96.6667
#   D1 "2"                  -> -(2 x 0.25)             = -0.5 (above the floor of -1)
#   total = 3.5 + 5.8 - 0.5 = 8.8 / 10                 -> 88 -> band B
#
# Ranks: SO-A (89.375) 1, XA-B (88) 2.


GOLDEN_LEAVES = {
    "SO-A": {
        "1.1.1": ("1", "1"),
        "1.1.2": ("0.5", "1"),
        "1.2.1": ("1", "1"),
        "1.2.2": ("0.75", "1"),
        "2.1.1": ("1.8", "2"),
        "2.1.2": ("0", "0"),
        "2.2.1": ("1.6", "2"),
    },
    "XA-B": {
        "1.1.1": ("0.5", "1"),
        "1.1.2": ("1", "1"),
        "1.2.1": ("1", "1"),
        "1.2.2": ("1", "1"),
        "2.1.1": ("2", "2"),
        "2.1.2": ("2", "2"),
        "2.2.1": ("1.8", "2"),
    },
}


@pytest.mark.parametrize("unit", ["SO-A", "XA-B"])
def test_golden_leaves(golden, unit):
    nodes = golden[unit].nodes
    for code, (points, max_points) in GOLDEN_LEAVES[unit].items():
        assert (nodes[code].points, nodes[code].max_points) == (D(points), D(max_points)), code


def test_golden_statuses(golden):
    a, b = golden["SO-A"].nodes, golden["XA-B"].nodes
    assert a["2.1.2"].status == NOT_APPLICABLE
    assert a["1.1.1"].status == SCORED
    assert b["1.2.1"].status == NA_FULL
    assert a["1.1"].status == AGGREGATE
    assert golden["SO-A"].missing == ()
    assert golden["XA-B"].missing == ()


def test_golden_so_a(golden):
    r = golden["SO-A"]
    assert r.nodes["1.1"].points == D("1.5")
    assert r.nodes["1.2"].points == D("1.75")
    assert r.nodes["2.1"].max_points == D(2)
    f1, f2 = r.fields
    assert (f1.points, f1.max_points, f1.index) == (D("3.25"), D(4), D("81.25"))
    assert (f2.points, f2.max_points, f2.index) == (D("3.4"), D(4), D("85"))
    assert r.base_points == D("6.65")
    assert r.bonus == D("0.5")
    assert r.deduction == D(0)
    assert r.points == D("7.15")
    assert r.max_points == D(8)
    assert r.index == D("89.375")
    assert str(r.index) == "89.3750"
    assert r.grade is not None and r.grade.code == "B"
    assert r.field_index("1") == D("81.25")


def test_golden_xa_b(golden):
    r = golden["XA-B"]
    f1, f2 = r.fields
    assert (f1.points, f1.max_points, f1.index) == (D("3.5"), D(4), D("87.5"))
    assert (f2.points, f2.max_points, f2.index) == (D("5.8"), D(6), D("96.6667"))
    assert r.base_points == D("9.3")
    assert r.bonus == D(0)
    assert r.deduction == D("-0.5")
    assert r.points == D("8.8")
    assert r.max_points == D(10)
    assert r.index == D("88")
    assert r.grade is not None and r.grade.code == "B"


def test_golden_ranks(golden):
    results = list(golden.values())
    pairs = ranked(results, lambda r: (r.index,))
    assert [(rank, r.unit.code) for rank, r in pairs] == [(1, "SO-A"), (2, "XA-B")]


def test_golden_explanations(golden):
    a, b = golden["SO-A"].nodes, golden["XA-B"].nodes
    text = a["1.1.2"].explanation
    assert "Giá trị nhập: 85.5" in text
    assert "≥ 80,00% và < 100,00%" in text and "0,50 điểm" in text
    assert "đúng hạn → 1,00 điểm" in a["1.1.1"].explanation
    assert "chậm → 0,50 điểm" in b["1.1.1"].explanation
    assert "90,00 / 100,00 × 2,00 → 1,8000 điểm" in a["2.1.1"].explanation
    assert "80,00% × 2,00 / 100 → 1,6000 điểm" in a["2.2.1"].explanation
    assert "Không phát sinh (tính đủ điểm)" in b["1.2.1"].explanation
    assert "Điểm: 1,0000" in b["1.2.1"].explanation
    assert "Không áp dụng cho loại đơn vị này" in a["2.1.2"].explanation
    assert a["1"].explanation == "Tổng 2 mục con: 3,2500 / 4,00 điểm"
    assert "thưởng: 1 × 0,50 → +0,50 điểm" in a["T1"].explanation
    assert "trừ: 2 × 0,25 → -0,50 điểm" in b["D1"].explanation


# --- policies --------------------------------------------------------------------------------


def so_a_inputs() -> dict[str, Any]:
    m = small()
    _, inputs = read_small_scores(m)
    return dict(inputs["SO-A"])


DEPT = Unit("SO-A", type="department")
COMMUNE = Unit("XA-B", type="commune")


def test_exclude_policy_removes_max_and_rescales():
    m = small()  # not_arising_default: exclude
    inputs = so_a_inputs()
    inputs["1.1.2"] = NotArising()
    r = compute_unit(m, DEPT, inputs)
    assert r.nodes["1.1.2"].status == NA_EXCLUDED
    assert (r.nodes["1.1.2"].points, r.nodes["1.1.2"].max_points) == (D(0), D(0))
    # field 1: 1 + 1 + 0.75 = 2.75 / 3 -> 91.6667; total 2.75 + 3.4 + 0.5 = 6.65 / 7
    assert (r.fields[0].points, r.fields[0].max_points) == (D("2.75"), D(3))
    assert r.fields[0].index == D("91.6667")
    assert r.points == D("6.65")
    assert r.max_points == D(7)
    assert r.index == D("95")  # 6.65 / 7 x 100 = 95
    assert r.grade is not None and r.grade.code == "A"
    assert "Không phát sinh (loại khỏi điểm tối đa)" in r.nodes["1.1.2"].explanation


def test_leaf_policy_overrides_the_default():
    m = small(not_arising_default="full_points")
    inputs = so_a_inputs()
    inputs["1.1.2"] = NotArising()
    r = compute_unit(m, DEPT, inputs)
    assert r.nodes["1.1.2"].status == NA_FULL
    assert r.nodes["1.1.2"].points == D(1)


def test_not_allowed_policy_is_an_error():
    m = small(not_arising_default="not_allowed")
    inputs = so_a_inputs()
    inputs["1.1.2"] = NotArising()
    inputs["1.2.1"] = NotArising()  # its own policy full_points still holds
    with pytest.raises(ValidationFailed) as exc:
        compute_unit(m, DEPT, inputs)
    assert [(i.unit, i.code) for i in exc.value.issues] == [("SO-A", "1.1.2")]
    assert "không phát sinh" in exc.value.issues[0].message


def test_missing_inputs_score_zero_and_are_listed():
    m = small()
    inputs = so_a_inputs()
    del inputs["1.1.1"]
    del inputs["2.2.1"]
    r = compute_unit(m, DEPT, inputs)
    assert r.missing == ("1.1.1", "2.2.1")
    assert r.nodes["1.1.1"].status == MISSING
    assert (r.nodes["1.1.1"].points, r.nodes["1.1.1"].max_points) == (D(0), D(1))
    # the maximum is kept: 7.15 - 1 - 1.6 = 4.55 / 8
    assert r.points == D("4.55")
    assert r.max_points == D(8)
    assert r.index == D("56.875")
    assert "Thiếu số liệu (tính 0 điểm)" in r.nodes["1.1.1"].explanation


def test_unit_without_any_input():
    m = small()
    [r] = compute_all(m, [COMMUNE], {})
    assert r.missing == tuple(n.code for n in m.leaves)
    assert (r.points, r.max_points, r.index) == (D(0), D(10), D(0))
    assert r.grade is not None and r.grade.code == "D"
    assert r.adjustments == ()


def test_not_applicable_ignores_a_given_value_and_is_not_missing():
    m = small()
    inputs = so_a_inputs()
    inputs["2.1.2"] = Flag(True)
    r = compute_unit(m, DEPT, inputs)
    assert r.nodes["2.1.2"].status == NOT_APPLICABLE
    assert r.points == D("7.15")


def test_unit_type_outside_the_methodology_gets_the_leaves_for_all():
    r = compute_unit(small(), Unit("T", type="province"), so_a_inputs())
    assert r.max_points == D(8)  # 2.1.2 is for communes only


def bonus_deduction_methodology(**changes: Any) -> Methodology:
    data = small_dict()
    data["adjustments"] += [
        {"code": "T2", "name": "Giải thưởng", "max": 1, "rule": {"kind": "bonus"}},
        {"code": "D2", "name": "Vi phạm", "max": 1, "rule": {"kind": "deduction", "per_unit": 1}},
    ]
    data.update(changes)
    return methodology_from_dict(data, "small.yaml")


def test_bonus_item_cap_and_bonus_cap():
    m = bonus_deduction_methodology()
    inputs = so_a_inputs()
    inputs["T1"] = Number(D(5))  # 5 x 0.5 = 2.5, capped at the item's max 1
    r = compute_unit(m, DEPT, inputs)
    assert r.nodes["T1"].points == D(1)
    assert r.bonus == D(1)
    inputs["T1"] = Number(D(1))  # 0.5
    inputs["T2"] = Number(D("0.75"))  # 0.75 -> 1.25 in all, over bonus_cap 1
    r = compute_unit(m, DEPT, inputs)
    assert r.bonus == D(1)
    assert r.points == D("6.65") + D(1)
    r = compute_unit(bonus_deduction_methodology(bonus_cap=None), DEPT, inputs)
    assert r.bonus == D("1.25")


def test_deduction_item_floor_and_deduction_floor():
    m = bonus_deduction_methodology()
    inputs = so_a_inputs()
    inputs["D1"] = Number(D(3))  # -0.75
    inputs["D2"] = Number(D(1))  # -1 -> -1.75 in all, floored at -1
    r = compute_unit(m, DEPT, inputs)
    assert (r.nodes["D1"].points, r.nodes["D2"].points) == (D("-0.75"), D(-1))
    assert r.deduction == D(-1)
    assert r.points == D("7.15") - D(1)
    r = compute_unit(bonus_deduction_methodology(deduction_floor=None), DEPT, inputs)
    assert r.deduction == D("-1.75")


def test_total_is_clamped_to_zero_and_to_the_maximum():
    m = bonus_deduction_methodology(bonus_cap=None, deduction_floor=None)
    zero = {
        "1.1.1": Status(Timeliness.NOT_DONE),
        "D1": Number(D(4)),
        "D2": Number(D(1)),
    }
    r = compute_unit(m, DEPT, zero)
    assert r.deduction == D(-2)
    assert (r.points, r.index) == (D(0), D(0))
    full = {
        "1.1.1": Status(Timeliness.ON_TIME),
        "1.1.2": Number(D(100)),
        "1.2.1": Flag(True),
        "1.2.2": Number(D(1)),
        "2.1.1": Number(D(100)),
        "2.1.2": Flag(True),
        "2.2.1": Number(D(100)),
        "T1": Number(D(2)),
        "T2": Number(D(1)),
    }
    r = compute_unit(m, COMMUNE, full)
    assert r.base_points == D(10)
    assert r.bonus == D(2)
    assert (r.points, r.max_points, r.index) == (D(10), D(10), D(100))
    assert r.grade is not None and r.grade.code == "A"


def test_every_leaf_excluded():
    m = small()
    inputs = {n.code: NotArising() for n in m.leaves if n.code != "1.2.1"}
    inputs["1.2.1"] = Flag(False)
    r = compute_unit(m, DEPT, inputs)
    assert r.max_points == D(1)  # only 1.2.1 left
    assert r.nodes["2"].max_points == D(0)
    assert r.nodes["2"].index is None
    del inputs["1.2.1"]
    inputs["1.2.1"] = NotArising()  # full points
    r = compute_unit(m, DEPT, inputs)
    assert (r.points, r.max_points, r.index) == (D(1), D(1), D(100))


def test_invalid_inputs_of_several_units_are_all_reported():
    m = small()
    units = [DEPT, COMMUNE, Unit("XA-C", type="commune")]
    inputs = {
        "SO-A": {"1.1.2": Number(D(101)), "1.2.2": Number(D("0.3"))},
        "XA-B": {"2.2.1": Number(D(-1))},
        "XA-C": {"1.1.1": Flag(True), "D1": Number(D(-2))},
    }
    with pytest.raises(ValidationFailed) as exc:
        compute_all(m, units, inputs)
    got = [(i.unit, i.code) for i in exc.value.issues]
    assert got == [
        ("SO-A", "1.1.2"),
        ("SO-A", "1.2.2"),
        ("XA-B", "2.2.1"),
        ("XA-C", "1.1.1"),
        ("XA-C", "D1"),
    ]
    text = str(exc.value)
    assert "đơn vị SO-A, mã 1.1.2: tỷ lệ 101,00% vượt quá 100%" in text
    assert "không theo bước" in text
    assert "cần đúng hạn / chậm / không thực hiện" in text


def test_compute_does_not_modify_inputs():
    m = small()
    units, inputs = read_small_scores(m)
    before = copy.deepcopy(inputs)
    compute_all(m, units, inputs)
    assert inputs == before


def test_grades_custom_bands():
    m = small(bands=[{"code": "T", "label": "Tốt", "min": 88}, {"code": "K", "min": 0}])
    units, inputs = read_small_scores(m)
    grades = {r.unit.code: r.grade.code for r in compute_all(m, units, inputs) if r.grade}
    assert grades == {"SO-A": "T", "XA-B": "T"}  # 89.375 and 88 (>= 88 inclusive)


def test_override_sets_points_clamped_and_keeps_not_applicable():
    m = small()
    inputs = so_a_inputs()
    r = compute_unit(
        m, DEPT, inputs, {"1.1.2": Override(D(5), "HĐ thẩm định"), "2.1.2": Override(D(1))}
    )
    assert r.nodes["1.1.2"].points == D(1)  # clamped to the leaf's max
    assert r.nodes["2.1.2"].status == NOT_APPLICABLE
    assert r.points == D("7.65")


# --- ranking -------------------------------------------------------------------------------


def test_competition_ranks_share_and_skip():
    keys = [(D(90),), (D(85),), (D(85),), (D(70),), (D(95),)]
    assert competition_ranks(keys, lambda k: k) == [2, 3, 3, 5, 1]


def test_tie_break_by_a_longer_key():
    keys = [(D(85), D(1)), (D(85), D(2)), (D(85), D(2))]
    assert competition_ranks(keys, lambda k: k) == [3, 1, 1]


def test_ranked_keeps_input_order_for_equal_ranks():
    items = ["b", "a", "c"]
    key = {"a": (D(1),), "b": (D(1),), "c": (D(2),)}
    assert ranked(items, lambda i: key[i]) == [(1, "c"), (2, "b"), (2, "a")]
    assert competition_ranks([], lambda i: i) == []
