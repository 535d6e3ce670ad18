"""The `ratio` and `piecewise` rule kinds (issue 11): scoring, explanations, validation,
YAML round trip, and properties at their bounds (0, max, breakpoints, floor, 0/0)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import (
    InvalidValue,
    NotArising,
    Unit,
    ValidationFailed,
    compute_unit,
    methodology_from_dict,
    methodology_to_dict,
    parse_value,
    q4,
)
from parindex.core.rules import Piecewise, RatioRule, rule_from_dict
from parindex.core.values import RATIO, Ratio, make_ratio

D = Decimal
PROPS = settings(max_examples=200, deadline=None)


def tree(*leaves: dict, not_arising_default: str = "exclude") -> dict:
    total = sum(D(str(leaf["max"])) for leaf in leaves)
    return {
        "format": "parindex-methodology/1",
        "code": "t",
        "name": "Thử",
        "version": "2025",
        "not_arising_default": not_arising_default,
        "fields": [{"code": "1", "name": "Lĩnh vực", "max": total, "children": list(leaves)}],
    }


def leaf(code: str, rule: dict, max_points: object = 2, **extra: object) -> dict:
    return {"code": code, "name": f"Mục {code}", "max": max_points, "rule": rule, **extra}


RATIO_BANDS = {
    "kind": "ratio",
    "bands": [
        {"from": 100, "to": 100, "to_inclusive": True, "points": 1},
        {"from": 80, "to": 100, "points": "0.5"},
        {"from": 0, "to": 80, "points": 0},
    ],
}
PIECEWISE = {
    "kind": "piecewise",
    "floor": 50,
    "breakpoints": [
        {"at": 50, "points": "0.5"},
        {"at": 80, "points": "0.8"},
        {"at": 100, "points": 1},
    ],
}


# --- the value: two counts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "done", "total"),
    [("45/50", 45, 50), (" 45 / 50 ", 45, 50), ("1.234/2.000", 1234, 2000), ("0/0", 0, 0)],
)
def test_ratio_parsed_from_what_officials_type(raw, done, total):
    value = parse_value(raw, RATIO)
    assert value == Ratio(D(done), D(total))


def test_ratio_text_round_trips_and_not_arising_words():
    assert str(parse_value("45/50", RATIO)) == "45/50"
    assert str(make_ratio("1.234", "2.000")) == "1234/2000"
    assert isinstance(parse_value("không phát sinh", RATIO), NotArising)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("51/50", "lớn hơn tổng số"),
        ("-1/50", "âm"),
        ("4,5/50", "số nguyên"),
        ("a/50", "không phải là số"),
        ("45", "ví dụ 45/50"),
        ("/50", "thiếu số đã thực hiện"),
    ],
)
def test_ratio_refusals_say_why(raw, says):
    with pytest.raises(InvalidValue, match=says):
        parse_value(raw, RATIO)


# --- ratio scoring --------------------------------------------------------------------------


def test_ratio_proportional_points_and_explanation():
    m = methodology_from_dict(tree(leaf("1.1", {"kind": "ratio"})))
    r = compute_unit(m, Unit("u"), {"1.1": parse_value("45/50", RATIO)}).nodes["1.1"]
    assert r.points == D("1.8000")
    assert "45/50 = 90,0000 %" in r.explanation
    assert "1,8000 điểm" in r.explanation


def test_ratio_percentage_is_rounded_to_4_places_before_scoring():
    # 2/3 = 66,6667 % (half up), then × 3 / 100 = 2,00000 -> 2,0000 (not 1,99999..)
    m = methodology_from_dict(tree(leaf("1.1", {"kind": "ratio"}, 3)))
    r = compute_unit(m, Unit("u"), {"1.1": parse_value("2/3", RATIO)}).nodes["1.1"]
    assert "2/3 = 66,6667 %" in r.explanation
    assert r.points == q4(D("66.6667") / 100 * 3)


def test_ratio_full_at_caps():
    m = methodology_from_dict(tree(leaf("1.1", {"kind": "ratio", "full_at": 80})))
    r = compute_unit(m, Unit("u"), {"1.1": parse_value("45/50", RATIO)}).nodes["1.1"]
    assert r.points == D(2)
    assert "đã đạt mức tối đa" in r.explanation


def test_ratio_by_bands():
    m = methodology_from_dict(tree(leaf("1.1", RATIO_BANDS, 1)))
    got = {
        raw: compute_unit(m, Unit("u"), {"1.1": parse_value(raw, RATIO)}).nodes["1.1"]
        for raw in ("50/50", "40/50", "39/50")
    }
    assert [r.points for r in got.values()] == [D(1), D("0.5"), D(0)]
    assert "40/50 = 80,0000 %: mức ≥ 80,00% và < 100,00% → 0,50 điểm" in got["40/50"].explanation


@pytest.mark.parametrize(
    ("policy", "points", "max_points"),
    [("exclude", D(0), D(0)), ("full_points", D(2), D(2))],
)
def test_zero_over_zero_follows_the_not_arising_policy(policy, points, max_points):
    m = methodology_from_dict(tree(leaf("1.1", {"kind": "ratio"}), not_arising_default=policy))
    r = compute_unit(m, Unit("u"), {"1.1": parse_value("0/0", RATIO)}).nodes["1.1"]
    assert (r.points, r.max_points) == (points, max_points)
    assert r.explanation.startswith("Giá trị nhập: 0/0. Không phát sinh")


def test_zero_over_zero_refused_when_not_arising_is_not_allowed():
    m = methodology_from_dict(
        tree(
            leaf("1.1", {"kind": "ratio"}, not_arising="not_allowed"),
            leaf("1.2", {"kind": "manual"}),
        )
    )
    with pytest.raises(ValidationFailed, match="0/0"):
        compute_unit(m, Unit("u"), {"1.1": parse_value("0/0", RATIO)})


def test_ratio_rule_refuses_a_plain_number():
    with pytest.raises(InvalidValue, match="45/50"):
        RatioRule().points(parse_value("90", "number"), D(2))


@given(
    total=st.integers(1, 10_000), data=st.data(), max_points=st.sampled_from([D("0.5"), D(1), D(3)])
)
@PROPS
def test_ratio_properties(total, data, max_points):
    done = data.draw(st.integers(0, total))
    rule = RatioRule()
    points = rule.points(Ratio(D(done), D(total)), max_points)
    assert D(0) <= points <= max_points
    assert points == q4(q4(D(done) / D(total) * 100) / 100 * max_points)
    if done == 0:
        assert points == 0
    if done == total:
        assert points == max_points
    if done < total:  # one more done never scores less
        assert rule.points(Ratio(D(done + 1), D(total)), max_points) >= points


# --- piecewise ------------------------------------------------------------------------------


def test_piecewise_between_breakpoints_floor_and_explanations():
    m = methodology_from_dict(tree(leaf("1.1", PIECEWISE, 1)))

    def at(raw: str):
        return compute_unit(m, Unit("u"), {"1.1": parse_value(raw, "number")}).nodes["1.1"]

    assert at("49,9999").points == 0
    assert "dưới ngưỡng sàn 50,00%" in at("49,9999").explanation
    assert at("50").points == D("0.5")
    assert at("65").points == D("0.65")
    assert at("90").points == D("0.9")
    assert at("100").points == D(1)
    assert "giữa 50,00% (0,50) và 80,00% (0,80)" in at("65").explanation
    assert "0,6500 điểm" in at("65").explanation


def test_piecewise_floor_below_first_breakpoint_scores_the_first_points():
    rule = rule_from_dict({**PIECEWISE, "floor": 30})
    assert rule.points(parse_value("29", "number"), D(1)) == 0
    assert rule.points(parse_value("30", "number"), D(1)) == D("0.5")
    assert rule.points(parse_value("45", "number"), D(1)) == D("0.5")


def test_piecewise_over_count_has_no_top():
    rule = rule_from_dict(
        {"kind": "piecewise", "over": "count", "breakpoints": [[1, "0.25"], [5, 1]]}
    )
    assert rule.points(parse_value("0", "number"), D(1)) == 0
    assert rule.points(parse_value("3", "number"), D(1)) == D("0.625")
    assert rule.points(parse_value("500", "number"), D(1)) == D(1)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"kind": "piecewise", "breakpoints": [{"at": 50, "points": 1}]}, "ít nhất hai"),
        ({"kind": "piecewise", "breakpoints": [[80, 1], [50, 2]]}, "tăng dần"),
        ({"kind": "piecewise", "breakpoints": [[50, 1], [100, 3]]}, "ngoài khoảng"),
        ({"kind": "piecewise", "floor": 60, "breakpoints": [[50, 1], [100, 2]]}, "floor"),
        ({"kind": "piecewise", "breakpoints": [[50, 1], [120, 2]]}, "ngoài miền"),
        ({"kind": "ratio", "full_at": 0}, "full_at"),
        ({"kind": "ratio", "bands": [{"from": 50, "points": 1}]}, "khoảng trống"),
    ],
)
def test_loader_names_file_code_and_problem(spec, says):
    with pytest.raises(ValidationFailed) as caught:
        methodology_from_dict(tree(leaf("1.1", spec)), "bo.yaml")
    (issue,) = caught.value.issues
    assert (issue.source, issue.code) == ("bo.yaml", "1.1")
    assert says in issue.message


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"kind": "piecewise"}, "breakpoints"),
        ({"kind": "piecewise", "breakpoints": [{"at": 1}]}, "'at' và 'points'"),
        ({"kind": "ratio", "full_at": 90, "bands": []}, "không cả hai"),
    ],
)
def test_malformed_specs_refused(spec, says):
    with pytest.raises(ValidationFailed, match=says):
        methodology_from_dict(tree(leaf("1.1", spec)), "bo.yaml")


def test_yaml_round_trip():
    m = methodology_from_dict(
        tree(
            leaf("1.1", {"kind": "ratio"}),
            leaf("1.2", RATIO_BANDS, 1),
            leaf("1.3", PIECEWISE, 1),
            leaf("1.4", {"kind": "ratio", "full_at": 90}),
        )
    )
    back = methodology_from_dict(methodology_to_dict(m))
    assert back == m
    assert isinstance(back.nodes["1.3"].rule, Piecewise)
    assert back.nodes["1.3"].rule.floor == D(50)


PIECE_RULE = rule_from_dict(PIECEWISE)


@given(v=st.integers(0, 1_000_000).map(lambda i: D(i).scaleb(-4)))
@PROPS
def test_piecewise_properties(v):
    points = PIECE_RULE.points(parse_value(str(v), "number"), D(1))
    assert D(0) <= points <= D(1)
    if v < 50:
        assert points == 0
    else:  # between the floor and the top, on the line through the breakpoints
        assert points == q4(v / 100)
        assert (
            PIECE_RULE.points(parse_value(str(min(v + D("0.01"), D(100))), "number"), D(1))
            >= points
        )


@pytest.mark.parametrize(("at", "points"), [("50", "0.5"), ("80", "0.8"), ("100", "1")])
def test_piecewise_at_each_breakpoint_scores_its_points(at, points):
    assert PIECE_RULE.points(parse_value(at, "number"), D(1)) == D(points)
