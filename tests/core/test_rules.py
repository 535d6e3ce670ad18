"""Every rule kind at and around its bounds, with exact Decimal points and the branch taken."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.core import Flag, InvalidValue, Number, Status, Timeliness
from parindex.core.rules import (
    Band,
    Bonus,
    Deduction,
    Manual,
    Proportional,
    Survey,
    Thresholds,
    TimelinessRule,
    YesNo,
    rule_from_dict,
)

D = Decimal
ONE = D(1)


def n(text: str) -> Number:
    return Number(D(text))


# --- manual ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0", "0.25", "0.5", "0.75", "1", "1.00"])
def test_manual_on_step_within_bounds(typed):
    scored = Manual(step=D("0.25")).score(n(typed), ONE)
    assert scored.points == D(typed)
    assert str(scored.points) == str(D(typed).quantize(D("0.0001")))
    assert "chấm trực tiếp" in scored.branch


@pytest.mark.parametrize("typed", ["0.1", "0.3", "0.2499", "0.9999"])
def test_manual_step_violation(typed):
    with pytest.raises(InvalidValue, match="không theo bước 0.25"):
        Manual(step=D("0.25")).score(n(typed), ONE)


@pytest.mark.parametrize("typed", ["-0.25", "-1", "1.25", "1.0001", "100"])
def test_manual_out_of_range(typed):
    with pytest.raises(InvalidValue, match=r"ngoài khoảng cho phép \[0; 1,00\]"):
        Manual(step=D("0.25")).score(n(typed), ONE)


def test_manual_fine_step_and_no_step():
    assert Manual(step=D("0.0001")).score(n("0.6789"), ONE).points == D("0.6789")
    with pytest.raises(InvalidValue):
        Manual(step=D("0.0001")).score(n("0.67891"), ONE)
    # step 0: any number in range; stored at 4 decimals, half up.
    assert Manual(step=D(0)).score(n("0.33335"), ONE).points == D("0.3334")


def test_manual_refuses_non_numbers():
    with pytest.raises(InvalidValue, match="cần một số"):
        Manual().score(Flag(True), ONE)


def test_manual_check():
    assert Manual(step=D("0.25")).check(ONE) == []
    assert Manual(step=D("-1")).check(ONE) == ["bước chấm (step) phải ≥ 0"]


# --- yes_no ---------------------------------------------------------------------------------


def test_yes_no_defaults():
    rule = YesNo()
    yes = rule.score(Flag(True), D("1.5"))
    no = rule.score(Flag(False), D("1.5"))
    assert (yes.points, no.points) == (D("1.5"), D(0))
    assert "có / đạt" in yes.branch and "1,50" in yes.branch
    assert "không / không đạt" in no.branch and "0,00" in no.branch


def test_yes_no_custom_points():
    rule = YesNo(yes=D("0.75"), no=D("0.25"))
    assert rule.score(Flag(True), ONE).points == D("0.75")
    assert rule.score(Flag(False), ONE).points == D("0.25")
    assert "0,25" in rule.score(Flag(False), ONE).branch
    assert rule.check(ONE) == []


def test_yes_no_check_points_within_max():
    assert YesNo(yes=D(2)).check(ONE) == ["điểm 'yes' = 2,00 ngoài khoảng [0; 1,00]"]
    assert YesNo(no=D(-1)).check(ONE) == ["điểm 'no' = -1,00 ngoài khoảng [0; 1,00]"]


def test_yes_no_refuses_other_kinds():
    with pytest.raises(InvalidValue, match="cần có/không"):
        YesNo().score(n("1"), ONE)
    with pytest.raises(InvalidValue, match="cần có/không"):
        YesNo().score(Status(Timeliness.ON_TIME), ONE)


# --- thresholds -----------------------------------------------------------------------------

# The example of the documentation: 100 % -> 1; 80 % to under 100 % -> 0.5; under 80 % -> 0.
DOC_BANDS = rule_from_dict(
    {
        "kind": "thresholds",
        "over": "percent",
        "bands": [
            {"from": 100, "to": 100, "to_inclusive": True, "points": 1},
            {"from": 80, "to": 100, "points": 0.5},
            {"from": 0, "to": 80, "points": 0},
        ],
    }
)


@pytest.mark.parametrize(
    ("value", "points", "branch"),
    [
        ("0", "0", "0,00%: mức ≥ 0,00% và < 80,00% → 0,00 điểm"),
        ("79.9999", "0", "79,9999%: mức ≥ 0,00% và < 80,00% → 0,00 điểm"),  # not "80,00%"
        ("80", "0.5", "80,00%: mức ≥ 80,00% và < 100,00% → 0,50 điểm"),
        ("80.0001", "0.5", "80,0001%: mức ≥ 80,00% và < 100,00% → 0,50 điểm"),
        ("85.5", "0.5", "85,50%: mức ≥ 80,00% và < 100,00% → 0,50 điểm"),
        ("99.9999", "0.5", "99,9999%: mức ≥ 80,00% và < 100,00% → 0,50 điểm"),
        ("100", "1", "100,00%: mức = 100,00% → 1,00 điểm"),
        ("100.0000", "1", "100,00%: mức = 100,00% → 1,00 điểm"),
    ],
)
def test_thresholds_doc_example_at_and_around_bounds(value, points, branch):
    assert DOC_BANDS.check(ONE) == []
    scored = DOC_BANDS.score(n(value), ONE)
    assert scored.points == D(points)
    assert scored.branch == branch


def test_thresholds_branch_text_names_value_and_points():
    assert DOC_BANDS.score(n("85.5"), ONE).branch == "85,50%: mức ≥ 80,00% và < 100,00% → 0,50 điểm"
    assert DOC_BANDS.score(n("100"), ONE).branch == "100,00%: mức = 100,00% → 1,00 điểm"


@pytest.mark.parametrize("value", ["100.0001", "101", "1000"])
def test_thresholds_percent_above_100_refused(value):
    with pytest.raises(InvalidValue, match="vượt quá 100%"):
        DOC_BANDS.score(n(value), ONE)


@pytest.mark.parametrize("value", ["-0.0001", "-1"])
def test_thresholds_negative_refused(value):
    with pytest.raises(InvalidValue, match="âm"):
        DOC_BANDS.score(n(value), ONE)


def test_thresholds_refuses_non_numbers():
    with pytest.raises(InvalidValue, match="cần một số"):
        DOC_BANDS.score(Flag(True), ONE)


# Exclusive lower bounds, inclusive upper bounds: <= 80 -> 0; > 80 and <= 95 -> 0.5; > 95 -> 1.
UPPER_INCLUSIVE = Thresholds(
    bands=(
        Band(D(0), D(0), D(80), True, True),
        Band(D("0.5"), D(80), D(95), False, True),
        Band(D(1), D(95), None, False),
    ),
    over="percent",
)


@pytest.mark.parametrize(
    ("value", "points"),
    [
        ("0", "0"),
        ("79.9999", "0"),
        ("80", "0"),
        ("80.0001", "0.5"),
        ("94.9999", "0.5"),
        ("95", "0.5"),
        ("95.0001", "1"),
        ("99.9999", "1"),
        ("100", "1"),
    ],
)
def test_thresholds_exclusive_lower_inclusive_upper(value, points):
    assert UPPER_INCLUSIVE.check(ONE) == []
    assert UPPER_INCLUSIVE.score(n(value), ONE).points == D(points)


def test_thresholds_band_labels():
    assert "> 80,00% và ≤ 95,00%" in UPPER_INCLUSIVE.score(n("90"), ONE).branch
    assert "> 95,00%" in UPPER_INCLUSIVE.score(n("96"), ONE).branch
    assert UPPER_INCLUSIVE.describe(ONE) == (
        "≥ 0,00% và ≤ 80,00%: 0,00 điểm; > 80,00% và ≤ 95,00%: 0,50 điểm; > 95,00%: 1,00 điểm"
    )


# Count domain: 0 -> 0; 1 or 2 -> 0.5; 3 or more -> 1 (open-ended).
COUNTS = rule_from_dict(
    {
        "kind": "thresholds",
        "over": "count",
        "bands": [
            {"to": 1, "points": 0},
            {"from": 1, "to": 3, "points": 0.5},
            {"from": 3, "points": 1},
        ],
    }
)


@pytest.mark.parametrize(
    ("value", "points"),
    [("0", "0"), ("0.9999", "0"), ("1", "0.5"), ("2.9999", "0.5"), ("3", "1"), ("100000", "1")],
)
def test_thresholds_count_domain_is_open_ended(value, points):
    assert COUNTS.check(ONE) == []
    assert COUNTS.score(n(value), ONE).points == D(points)


def test_thresholds_count_negative_refused_and_no_percent_sign():
    with pytest.raises(InvalidValue, match="âm"):
        COUNTS.score(n("-1"), ONE)
    assert COUNTS.score(n("150"), ONE).branch == "150,00: mức ≥ 3,00 → 1,00 điểm"


def _check(bands, over="percent", max_points=ONE):
    return rule_from_dict({"kind": "thresholds", "over": over, "bands": bands}).check(max_points)


def test_thresholds_check_gap():
    problems = _check([{"from": 0, "to": 50, "points": 0}, {"from": 60, "points": 1}])
    assert len(problems) == 1
    assert "khoảng trống giữa 50,00% và 60,00%" in problems[0]


def test_thresholds_check_gap_of_a_single_point():
    # [0, 80) and (80, 100]: 80 itself is in no band.
    problems = _check(
        [{"from": 0, "to": 80, "points": 0}, {"from": 80, "from_inclusive": False, "points": 1}]
    )
    assert len(problems) == 1
    assert "khoảng trống" in problems[0] and "80,00%" in problems[0]


def test_thresholds_check_gap_at_zero():
    problems = _check([{"from": 10, "points": 1}])
    assert any("khoảng trống giữa 0,00% và 10,00%" in p for p in problems)


def test_thresholds_check_overlap():
    problems = _check([{"from": 0, "to": 60, "points": 0}, {"from": 50, "points": 1}])
    assert len(problems) == 1
    assert "chồng lấn" in problems[0]


def test_thresholds_check_overlap_of_a_single_point():
    # [0, 80] and [80, 100]: 80 is in both.
    problems = _check(
        [{"from": 0, "to": 80, "to_inclusive": True, "points": 0}, {"from": 80, "points": 1}]
    )
    assert len(problems) == 1
    assert "chồng lấn" in problems[0]


def test_thresholds_check_missing_top_of_percent():
    # 100 % must be in a band (inclusive).
    problems = _check([{"from": 0, "to": 80, "points": 0}, {"from": 80, "to": 100, "points": 1}])
    assert problems == ["không mức nào chứa giá trị 100,00% trở lên"]
    problems = _check([{"from": 0, "to": 80, "points": 0}, {"from": 80, "to": 90, "points": 1}])
    assert problems == ["không mức nào chứa giá trị 90,00% trở lên"]


def test_thresholds_check_percent_band_reaching_past_100_covers_100():
    assert _check([{"from": 0, "to": 80, "points": 0}, {"from": 80, "to": 200, "points": 1}]) == []


def test_thresholds_check_count_needs_an_open_last_band():
    problems = _check(
        [{"from": 0, "to": 3, "points": 0}, {"from": 3, "to": 10, "points": 1}], over="count"
    )
    assert len(problems) == 1
    assert "10,00 trở lên" in problems[0] and "mức cuối cần chỉ có 'from'" in problems[0]


def test_thresholds_check_points_above_max_and_negative():
    problems = _check(
        [{"from": 0, "to": 50, "points": -1}, {"from": 50, "points": 2}], max_points=ONE
    )
    assert problems == [
        "điểm 'points' = -1,00 ngoài khoảng [0; 1,00]",
        "điểm 'points' = 2,00 ngoài khoảng [0; 1,00]",
    ]


def test_thresholds_check_reversed_band_and_bad_over_and_no_bands():
    assert any(
        "cận dưới lớn hơn cận trên" in p for p in _check([{"from": 50, "to": 10, "points": 0}])
    )
    assert any(
        "'over' phải là percent hoặc count" in p
        for p in _check([{"from": 0, "points": 0}], over="ratio")
    )
    assert "quy tắc ngưỡng không có mức nào (bands)" in _check([])


def test_thresholds_band_without_points_is_refused():
    with pytest.raises(ValueError, match="cần có 'points'"):
        rule_from_dict({"kind": "thresholds", "bands": [{"from": 0}]})


# --- proportional ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "max_points", "points"),
    [
        ("0", "2", "0"),
        ("90", "2", "1.8"),
        ("80", "2", "1.6"),
        ("99.99", "2", "1.9998"),
        ("99.9999", "2", "2"),  # 1.999998 rounds half up to 2.0000
        ("100", "2", "2"),
        ("150", "2", "2"),
        ("33.33333", "1", "0.3333"),
        ("0.00005", "1", "0.0000"),  # 0.0000005 rounds to 0
    ],
)
def test_proportional(value, max_points, points):
    scored = Proportional().score(n(value), D(max_points))
    assert scored.points == D(points)


def test_proportional_caps_and_says_so():
    scored = Proportional().score(n("150"), D(2))
    assert scored.points == D(2)
    assert "(đã đạt mức tối đa)" in scored.branch
    assert "(đã đạt mức tối đa)" not in Proportional().score(n("90"), D(2)).branch
    assert Proportional().score(n("90"), D(2)).branch == "90,00 / 100,00 × 2,00 → 1,8000 điểm"


def test_proportional_custom_full_at():
    rule = rule_from_dict({"kind": "proportional", "full_at": 50})
    assert rule.score(n("25"), D(2)).points == D(1)
    assert rule.score(n("50"), D(2)).points == D(2)
    assert rule.score(n("75"), D(2)).points == D(2)


def test_proportional_refuses_negative():
    with pytest.raises(InvalidValue, match="âm"):
        Proportional().score(n("-0.0001"), D(2))


def test_proportional_check_full_at():
    assert Proportional(full_at=D(0)).check(ONE) == ["full_at phải > 0"]
    assert Proportional(full_at=D(-5)).check(ONE) == ["full_at phải > 0"]
    # Written in a file, full_at: 0 is an error too, not silently the default 100.
    assert rule_from_dict({"kind": "proportional", "full_at": 0}).check(ONE) == ["full_at phải > 0"]


# --- timeliness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_points", "on_time", "late", "not_done"),
    [
        ("1", "1", "0.5", "0"),
        ("0.5", "0.5", "0.25", "0"),
        ("0.75", "0.75", "0.375", "0"),
        ("0.25", "0.25", "0.125", "0"),
        ("2", "2", "1", "0"),
    ],
)
def test_timeliness_defaults(max_points, on_time, late, not_done):
    rule = TimelinessRule()
    mx = D(max_points)
    assert rule.score(Status(Timeliness.ON_TIME), mx).points == D(on_time)
    assert rule.score(Status(Timeliness.LATE), mx).points == D(late)
    assert rule.score(Status(Timeliness.NOT_DONE), mx).points == D(not_done)
    assert rule.check(mx) == []


def test_timeliness_custom_points_and_branch():
    rule = rule_from_dict({"kind": "timeliness", "on_time": 1, "late": 0.25, "not_done": 0.1})
    assert rule.score(Status(Timeliness.ON_TIME), ONE).points == D(1)
    assert rule.score(Status(Timeliness.LATE), ONE).points == D("0.25")
    assert rule.score(Status(Timeliness.NOT_DONE), ONE).points == D("0.1")
    assert rule.score(Status(Timeliness.LATE), ONE).branch == "chậm → 0,25 điểm"
    assert rule.score(Status(Timeliness.ON_TIME), ONE).branch == "đúng hạn → 1,00 điểm"
    assert rule.score(Status(Timeliness.NOT_DONE), ONE).branch == "không thực hiện → 0,10 điểm"


def test_timeliness_check_and_kind():
    assert TimelinessRule(late=D(2)).check(ONE) == ["điểm 'late' = 2,00 ngoài khoảng [0; 1,00]"]
    with pytest.raises(InvalidValue, match="cần đúng hạn / chậm / không thực hiện"):
        TimelinessRule().score(Flag(True), ONE)


# --- survey ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "max_points", "points"),
    [
        ("0", "2", "0"),
        ("50", "2", "1"),
        ("80", "2", "1.6"),
        ("87.65", "2", "1.753"),
        ("61.4203", "1", "0.6142"),
        ("100", "2", "2"),
    ],
)
def test_survey(value, max_points, points):
    assert Survey().score(n(value), D(max_points)).points == D(points)


@pytest.mark.parametrize("value", ["-0.0001", "100.0001", "150"])
def test_survey_out_of_range(value):
    with pytest.raises(InvalidValue, match="ngoài khoảng 0–100%"):
        Survey().score(n(value), D(2))


def test_survey_branch():
    assert Survey().score(n("80"), D(2)).branch == "80,00% × 2,00 / 100 → 1,6000 điểm"


# --- bonus ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "points", "capped"),
    [
        ("0", "0", False),
        ("1", "0.5", False),
        ("2", "1", False),
        ("3", "1", True),
        ("50", "1", True),
    ],
)
def test_bonus_per_unit_and_cap(count, points, capped):
    scored = Bonus(per_unit=D("0.5")).score(n(count), ONE)
    assert scored.points == D(points)
    assert ("tối đa 1,00" in scored.branch) is capped
    assert scored.branch.startswith("thưởng: ")


def test_bonus_branch_shows_the_count():
    assert Bonus(per_unit=D("0.5")).score(n("1"), ONE).branch == "thưởng: 1 × 0,50 → +0,50 điểm"
    # A fractional count is shown as typed, not rounded to a whole number.
    assert "1,5 × 0,50" in Bonus(per_unit=D("0.5")).score(n("1.5"), D(5)).branch


def test_bonus_without_per_unit_is_the_number_capped():
    rule = Bonus()
    assert rule.score(n("0.75"), ONE).points == D("0.75")
    assert rule.score(n("1"), ONE).points == D(1)
    assert rule.score(n("1.5"), ONE).points == D(1)
    assert "tối đa 1,00" in rule.score(n("1.5"), ONE).branch


def test_bonus_refuses_negative_and_checks_per_unit():
    with pytest.raises(InvalidValue, match="âm"):
        Bonus(per_unit=D("0.5")).score(n("-1"), ONE)
    assert Bonus(per_unit=D(0)).check(ONE) == ["per_unit phải > 0"]
    assert Bonus().check(ONE) == []


# --- deduction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "points", "floored"),
    [
        ("0", "0", False),
        ("1", "-0.25", False),
        ("2", "-0.5", False),
        ("4", "-1", False),
        ("5", "-1", True),
        ("100", "-1", True),
    ],
)
def test_deduction_per_unit_and_floor(count, points, floored):
    scored = Deduction(per_unit=D("0.25")).score(n(count), ONE)
    assert scored.points == D(points)
    assert not (scored.points == 0 and scored.points.is_signed())  # no "-0"
    assert ("tối đa 1,00" in scored.branch) is floored
    assert scored.branch.startswith("trừ: ")


def test_deduction_branch():
    assert Deduction(per_unit=D("0.25")).score(n("2"), ONE).branch == ("trừ: 2 × 0,25 → -0,50 điểm")


def test_deduction_refuses_negative_counts():
    with pytest.raises(InvalidValue, match="số lần -1,00 âm"):
        Deduction(per_unit=D("0.25")).score(n("-1"), ONE)


def test_deduction_per_unit_is_required_and_positive():
    assert Deduction(per_unit=D(0)).check(ONE) == ["per_unit phải > 0"]
    assert rule_from_dict({"kind": "deduction", "per_unit": 0}).check(ONE) == ["per_unit phải > 0"]
    with pytest.raises(ValueError, match="per_unit"):
        rule_from_dict({"kind": "deduction"})


# --- building rules -------------------------------------------------------------------------


def test_unknown_kind():
    with pytest.raises(ValueError, match="loại quy tắc không hợp lệ 'percent'"):
        rule_from_dict({"kind": "percent"})


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "manual", "step": 0.25},
        {"kind": "yes_no", "yes": 0.5, "no": 0.25},
        {
            "kind": "thresholds",
            "over": "count",
            "bands": [{"to": 1, "points": 0}, {"from": 1, "points": 1}],
        },
        {"kind": "proportional", "full_at": 80},
        {"kind": "timeliness", "on_time": 1, "late": 0.25, "not_done": 0.1},
        {"kind": "survey"},
        {"kind": "bonus", "per_unit": 0.5},
        {"kind": "deduction", "per_unit": 0.25},
    ],
)
def test_rule_to_dict_round_trip(spec):
    rule = rule_from_dict(spec)
    assert rule_from_dict(rule.to_dict()) == rule
    assert rule.describe(ONE)
