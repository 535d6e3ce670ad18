"""Gates (issue 11): a leaf flagged `gate: true` that fails (0 points: "no", 0 typed, a
missing input, an appraisal setting 0) zeroes its whole criterion, and says so."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import (
    Override,
    Unit,
    ValidationFailed,
    compute_unit,
    methodology_from_dict,
    methodology_to_dict,
    parse_value,
)
from parindex.core.aggregate import AGGREGATE, GATED

D = Decimal


def spec(**gate_leaf: object) -> dict:
    return {
        "format": "parindex-methodology/1",
        "code": "g",
        "name": "Cổng",
        "version": "2025",
        "fields": [
            {
                "code": "1",
                "name": "Lĩnh vực",
                "max": 5,
                "children": [
                    {
                        "code": "1.1",
                        "name": "Tiêu chí có điều kiện",
                        "max": 3,
                        "children": [
                            {
                                "code": "1.1.1",
                                "name": "Ban hành kế hoạch",
                                "max": 1,
                                "rule": "yes_no",
                                "gate": True,
                                **gate_leaf,
                            },
                            {"code": "1.1.2", "name": "Thực hiện", "max": 2, "rule": "manual"},
                        ],
                    },
                    {
                        "code": "1.2",
                        "name": "Tiêu chí khác",
                        "max": 2,
                        "children": [{"code": "1.2.1", "name": "Khác", "max": 2, "rule": "manual"}],
                    },
                ],
            }
        ],
    }


M = methodology_from_dict(spec())


def run(gate: str | None, other: str = "1.5", overrides=None):
    inputs = {"1.1.2": parse_value(other, "number"), "1.2.1": parse_value("2", "number")}
    if gate is not None:
        inputs["1.1.1"] = parse_value(gate, "flag")
    return compute_unit(M, Unit("u"), inputs, overrides or {})


def test_passing_gate_sums_as_usual():
    r = run("có")
    assert (r.nodes["1.1"].points, r.nodes["1.1"].status) == (D("2.5"), AGGREGATE)
    assert r.points == D("4.5")


@pytest.mark.parametrize("gate", ["không", None])
def test_failed_or_missing_gate_zeroes_its_criterion_only(gate):
    r = run(gate)
    crit = r.nodes["1.1"]
    assert (crit.points, crit.max_points, crit.status) == (D(0), D(3), GATED)
    assert r.nodes["1.1.2"].points == D("1.5")  # the leaf keeps its own points, shown
    assert r.nodes["1.2"].points == D(2)
    assert r.points == D(2)
    assert "Điều kiện bắt buộc 1.1.1 không đạt" in crit.explanation
    assert "lẽ ra là 1,5000" in crit.explanation


def test_appraisal_setting_the_gate_to_zero_zeroes_the_criterion():
    r = run("có", overrides={"1.1.1": Override(D(0), "không có văn bản")})
    assert r.nodes["1.1"].status == GATED and r.nodes["1.1"].points == 0


def test_not_arising_gate_does_not_fail():
    m = methodology_from_dict(spec(not_arising="exclude"))
    r = compute_unit(
        m,
        Unit("u"),
        {"1.1.1": parse_value("NA", "flag"), "1.1.2": parse_value("2", "number")},
    )
    assert r.nodes["1.1"].points == D(2)


def test_yaml_round_trip_and_validation():
    assert methodology_from_dict(methodology_to_dict(M)) == M
    assert M.gates == {"1.1": ("1.1.1",)}
    bad = spec()
    bad["fields"][0]["children"][1]["gate"] = True  # on a criterion with children
    with pytest.raises(ValidationFailed) as caught:
        methodology_from_dict(bad, "bo.yaml")
    (issue,) = caught.value.issues
    assert (issue.source, issue.code) == ("bo.yaml", "1.2") and "'gate'" in issue.message


@given(gate=st.booleans(), other=st.integers(0, 8).map(lambda i: D(i) / 4))
@settings(max_examples=60, deadline=None)
def test_gate_property(gate, other):
    r = run("có" if gate else "không", str(other))
    expected = D(1) + other if gate else D(0)
    assert r.nodes["1.1"].points == expected
    assert r.points == expected + 2
