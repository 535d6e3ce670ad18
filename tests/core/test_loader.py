"""methodology_from_dict: every problem is an Issue naming the file, the line and the code."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from parindex.core import Methodology, ValidationFailed, methodology_from_dict, methodology_to_dict
from parindex.core.errors import Issue
from parindex.core.loader import LINE
from parindex.core.rules import Manual, Thresholds

D = Decimal
SRC = "test.yaml"
SMALL = Path(__file__).resolve().parents[1] / "data" / "small.yaml"


def leaf(code: str, max_points: Any = 1, line: int = 0, **extra: Any) -> dict[str, Any]:
    d = {"code": code, "name": f"Mục {code}", "max": max_points, "rule": {"kind": "yes_no"}}
    d.update(extra)
    if line:
        d[LINE] = line
    return d


def base() -> dict[str, Any]:
    """A valid methodology: field 1 (2 points) -> 1.1 -> 1.1.1, 1.1.2; field 2 -> 2.1 -> 2.1.1."""
    return {
        LINE: 1,
        "format": "parindex-methodology/1",
        "code": "t",
        "name": "Thử",
        "version": "2025",
        "unit_types": ["department", "commune"],
        "fields": [
            {
                LINE: 10,
                "code": "1",
                "name": "Lĩnh vực 1",
                "max": 2,
                "children": [
                    {
                        LINE: 14,
                        "code": "1.1",
                        "name": "Tiêu chí 1.1",
                        "max": 2,
                        "children": [leaf("1.1.1", line=18), leaf("1.1.2", line=19)],
                    }
                ],
            },
            {
                LINE: 20,
                "code": "2",
                "name": "Lĩnh vực 2",
                "max": 1,
                "children": [
                    {
                        LINE: 24,
                        "code": "2.1",
                        "name": "Tiêu chí 2.1",
                        "max": 1,
                        "children": [leaf("2.1.1", line=28)],
                    }
                ],
            },
        ],
        "adjustments": [
            leaf("T1", line=40, rule={"kind": "bonus", "per_unit": 0.5}),
            leaf("D1", line=41, rule={"kind": "deduction", "per_unit": 0.25}),
        ],
    }


def issues_of(data: Any) -> list[Issue]:
    with pytest.raises(ValidationFailed) as exc:
        methodology_from_dict(data, SRC)
    assert exc.value.issues, "ValidationFailed without issues"
    for issue in exc.value.issues:
        assert issue.source == SRC
        assert issue.severity == "error"
    return exc.value.issues


def only(data: Any) -> Issue:
    issues = issues_of(data)
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def node(data: dict[str, Any], code: str) -> dict[str, Any]:
    def find(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        for item in items:
            if item["code"] == code:
                return item
            found = find(item.get("children", []))
            if found:
                return found
        return None

    result = find(data["fields"] + data.get("adjustments", []))
    assert result is not None
    return result


def test_base_is_valid():
    m = methodology_from_dict(base(), SRC)
    assert isinstance(m, Methodology)
    assert m.max_points == D(3)
    assert [n.code for n in m.leaves] == ["1.1.1", "1.1.2", "2.1.1"]
    assert [a.code for a in m.adjustments] == ["T1", "D1"]
    assert m.unit_types == ("department", "commune")


def test_children_max_not_summing():
    data = base()
    node(data, "1.1.2")["max"] = D("0.75")
    issues = issues_of(data)
    by_code = {i.code: i for i in issues}
    # 1.1 has 1 + 0.75 != 2; field 1 compares with the max 1.1 declares (2), so only 1.1.
    assert set(by_code) == {"1.1"}
    assert by_code["1.1"].row == 14
    assert "tổng điểm tối đa của các mục con (1,7500) khác điểm tối đa của mục (2,0000)" in (
        by_code["1.1"].message
    )


def test_duplicate_codes():
    data = base()
    node(data, "1.1.2")["code"] = "1.1.1"
    issue = only(data)
    assert (issue.code, issue.row) == ("1.1.1", 19)
    assert "mã trùng lặp (đã có ở dòng 18)" in issue.message


def test_duplicate_code_between_an_adjustment_and_a_field():
    data = base()
    node(data, "T1")["code"] = "1"
    issue = only(data)
    assert (issue.code, issue.row) == ("1", 40)
    assert "mã trùng lặp" in issue.message


def test_code_not_extending_parent():
    data = base()
    node(data, "1.1.2")["code"] = "1.2.2"
    issue = only(data)
    assert (issue.code, issue.row) == ("1.2.2", 19)
    assert "mã phải bắt đầu bằng mã của mục cha '1.1.'" in issue.message


def test_field_code_with_a_dot():
    data = base()
    data["fields"][1]["code"] = "2.0"
    issues = issues_of(data)
    assert any(i.code == "2.0" and "không được chứa dấu chấm" in i.message for i in issues)


def test_unknown_rule_kind():
    data = base()
    node(data, "2.1.1")["rule"] = {"kind": "percentage"}
    issue = only(data)
    assert (issue.code, issue.row) == ("2.1.1", 28)
    assert "loại quy tắc không hợp lệ 'percentage'" in issue.message
    assert "thresholds" in issue.message  # lists the valid kinds


def test_thresholds_overlap_and_gap():
    data = base()
    node(data, "1.1.1")["rule"] = {
        "kind": "thresholds",
        "bands": [{"from": 0, "to": 60, "points": 0}, {"from": 50, "points": 1}],
    }
    node(data, "1.1.2")["rule"] = {
        "kind": "thresholds",
        "bands": [{"from": 0, "to": 50, "points": 0}, {"from": 60, "points": 1}],
    }
    issues = issues_of(data)
    assert [(i.code, i.row) for i in issues] == [("1.1.1", 18), ("1.1.2", 19)]
    assert issues[0].message.startswith("quy tắc: các mức chồng lấn nhau")
    assert issues[1].message.startswith("quy tắc: khoảng trống giữa 50,00% và 60,00%")


def test_threshold_points_above_max():
    data = base()
    node(data, "2.1.1")["rule"] = {
        "kind": "thresholds",
        "bands": [{"from": 0, "to": 50, "points": 0}, {"from": 50, "points": 2}],
    }
    issue = only(data)
    assert issue.code == "2.1.1"
    assert "điểm 'points' = 2,00 ngoài khoảng [0; 1,00]" in issue.message


def test_malformed_threshold_bands_are_issues_not_crashes():
    data = base()
    node(data, "1.1.1")["rule"] = {"kind": "thresholds", "bands": [5]}
    node(data, "1.1.2")["rule"] = {"kind": "thresholds", "bands": "0-100"}
    issues = issues_of(data)
    assert [i.code for i in issues] == ["1.1.1", "1.1.2"]


def test_bad_method():
    data = base()
    node(data, "1.1.1")["method"] = "appraisal"
    issue = only(data)
    assert (issue.code, issue.row) == ("1.1.1", 18)
    assert "phương thức 'appraisal' không hợp lệ" in issue.message


def test_bad_not_arising():
    data = base()
    node(data, "1.1.1")["not_arising"] = "zero"
    issue = only(data)
    assert (issue.code, issue.row) == ("1.1.1", 18)
    assert "not_arising 'zero' không hợp lệ" in issue.message
    assert "full_points" in issue.message


def test_bad_not_arising_default():
    data = base()
    data["not_arising_default"] = "zero"
    issue = only(data)
    assert issue.row == 1
    assert "not_arising_default 'zero' không hợp lệ" in issue.message


def test_applies_to_unknown_unit_type():
    data = base()
    node(data, "2.1.1")["applies_to"] = ["commune", "ward", "province"]
    issue = only(data)
    assert (issue.code, issue.row) == ("2.1.1", 28)
    assert "loại đơn vị không có trong unit_types: province, ward" in issue.message


def test_applies_to_as_a_single_string():
    data = base()
    node(data, "2.1.1")["applies_to"] = "commune"
    m = methodology_from_dict(data, SRC)
    assert m.nodes["2.1.1"].applies_to == frozenset({"commune"})


def test_malformed_lists_are_issues_not_crashes():
    data = base()
    node(data, "2.1.1")["applies_to"] = 5
    issue = only(data)
    assert (issue.code, "applies_to") == ("2.1.1", issue.message.split("'")[1])
    data = base()
    data["adjustments"] = {"code": "T1"}
    assert "'adjustments' phải là một danh sách" in only(data).message


def test_unit_types_as_a_single_string():
    data = base()
    data["unit_types"] = "commune"
    node(data, "2.1.1")["applies_to"] = ["commune"]
    assert methodology_from_dict(data, SRC).unit_types == ("commune",)


def test_applies_to_on_a_node_with_children_is_an_error():
    # The engine reads applies_to and not_arising on leaves only (see the docs); on a parent
    # they would be silently ignored.
    data = base()
    node(data, "1.1")["applies_to"] = ["commune"]
    node(data, "2.1")["not_arising"] = "full_points"
    issues = issues_of(data)
    assert [(i.code, i.row) for i in issues] == [("1.1", 14), ("2.1", 24)]
    assert "applies_to" in issues[0].message
    assert "not_arising" in issues[1].message


@pytest.mark.parametrize("key", ["format", "code", "name", "version"])
def test_missing_top_level_keys(key):
    data = base()
    del data[key]
    issue = only(data)
    assert issue.row == 1
    assert key in issue.message


def test_wrong_format():
    data = base()
    data["format"] = "parindex-methodology/2"
    assert "format" in only(data).message


def test_missing_fields():
    data = base()
    data["fields"] = []
    assert "thiếu danh sách lĩnh vực (fields)" in only(data).message


def test_not_a_mapping():
    issues = issues_of(["a", "b"])
    assert len(issues) == 1
    assert "cần một bảng khóa/giá trị" in issues[0].message


def test_missing_node_code_name_max():
    data = base()
    del node(data, "1.1.1")["name"]
    del node(data, "1.1.2")["max"]
    del node(data, "2.1.1")["code"]
    issues = issues_of(data)
    messages = {(i.code, i.row): i.message for i in issues}
    assert "thiếu tên (name)" in messages[("1.1.1", 18)]
    assert "thiếu điểm tối đa (max)" in messages[("1.1.2", 19)]
    assert "thiếu mã (code)" in messages[("", 28)]


def test_negative_and_non_numeric_max():
    data = base()
    node(data, "1.1.1")["max"] = "một"
    issues = issues_of(data)
    assert any(i.code == "1.1.1" and "'max' = 'một' không phải là số" in i.message for i in issues)
    data = base()
    node(data, "T1")["max"] = -1
    assert "âm" in only(data).message


def test_field_without_children():
    data = base()
    field = data["fields"][1]
    del field["children"]
    field["rule"] = {"kind": "yes_no"}
    issue = only(data)
    assert (issue.code, issue.row) == ("2", 20)
    assert "lĩnh vực phải có ít nhất một tiêu chí (children)" in issue.message


def test_leaf_without_rule_and_parent_with_rule():
    data = base()
    del node(data, "1.1.1")["rule"]
    node(data, "2.1")["rule"] = {"kind": "yes_no"}
    issues = issues_of(data)
    assert [(i.code, i.row) for i in issues] == [("1.1.1", 18), ("2.1", 24)]
    assert "thiếu quy tắc chấm (rule)" in issues[0].message
    assert "không được có quy tắc chấm" in issues[1].message


@pytest.mark.parametrize("kind", ["bonus", "deduction"])
def test_adjustment_kind_outside_adjustments(kind):
    data = base()
    node(data, "2.1.1")["rule"] = {"kind": kind, "per_unit": 0.5}
    issue = only(data)
    assert (issue.code, issue.row) == ("2.1.1", 28)
    assert f"quy tắc '{kind}' chỉ dùng trong mục điểm thưởng/điểm trừ" in issue.message


@pytest.mark.parametrize("kind", ["yes_no", "manual", "survey"])
def test_adjustment_with_a_non_adjustment_kind(kind):
    data = base()
    node(data, "T1")["rule"] = {"kind": kind}
    issue = only(data)
    assert (issue.code, issue.row) == ("T1", 40)
    assert "phải dùng quy tắc bonus hoặc deduction" in issue.message


def test_adjustment_with_children():
    data = base()
    node(data, "T1")["children"] = [
        leaf("T1.1", 1, line=43, rule={"kind": "bonus"}),
    ]
    del node(data, "T1")["rule"]
    issues = issues_of(data)
    assert [(i.code, i.message) for i in issues] == [
        ("T1", "mục điểm thưởng/điểm trừ không có mục con")
    ]


def test_deduction_floor_positive_and_bad_grades():
    data = base()
    data["deduction_floor"] = 2
    data["bands"] = [{"code": "A", "min": 90}, {"code": "B", "min": 90}]
    issues = issues_of(data)
    assert [i.message for i in issues] == [
        "các mức xếp loại có 'min' trùng nhau",
        "deduction_floor phải ≤ 0",
    ]


def test_malformed_grades_are_issues_not_crashes():
    data = base()
    data["bands"] = [90, {"code": "A"}]
    issues = issues_of(data)
    assert any("cần 'code' và 'min'" in i.message for i in issues)


def test_several_errors_reported_at_once():
    data = base()
    del data["version"]
    node(data, "1.1.1")["rule"] = {"kind": "nope"}
    node(data, "1.1.2")["method"] = "guess"
    node(data, "2.1.1")["code"] = "3.1.1"
    node(data, "2.1")["max"] = 5
    node(data, "D1")["rule"] = {"kind": "manual"}
    issues = issues_of(data)
    got = [(i.code, i.row) for i in issues]
    assert got == [
        ("", 1),  # version
        ("1.1.1", 18),  # unknown kind
        ("1.1.2", 19),  # bad method
        ("3.1.1", 28),  # not under 2.1
        ("2.1", 24),  # max 5, its child 1
        ("2", 20),  # max 1, its child 2.1 has 5
        ("D1", 41),  # adjustment with manual
    ], [str(i) for i in issues]
    text = str(ValidationFailed(issues))
    assert "test.yaml, dòng 18, mã 1.1.1" in text
    assert len(text.splitlines()) == 7


def test_issue_str_names_everything():
    issue = Issue("sai", source="a.csv", row=3, column="value", code="1.1", unit="XA")
    assert str(issue) == "a.csv, dòng 3, cột value, đơn vị XA, mã 1.1: sai"
    assert str(Issue("sai")) == "sai"


# --- round trip ------------------------------------------------------------------------------


def _rich() -> dict[str, Any]:
    data = base()
    data.update(
        {
            "name_en": "Test",
            "level": "department_commune",
            "decision": "QĐ 1",
            "status": "example",
            "description": "Ghi chú\nnhiều dòng",
            "not_arising_default": "full_points",
            "bands": [
                {"code": "A", "label": "Xuất sắc", "min": 90},
                {"code": "B", "label": "Tốt", "min": "80,5"},
                {"code": "C", "min": 0},
            ],
            "bonus_cap": 1,
            "deduction_floor": -0.75,
        }
    )
    node(data, "1.1.1").update(
        {
            "rule": {
                "kind": "thresholds",
                "over": "count",
                "bands": [
                    {"to": 1, "to_inclusive": True, "points": 0},
                    {
                        "from": 1,
                        "from_inclusive": False,
                        "to": 3,
                        "to_inclusive": True,
                        "points": 0.5,
                    },
                    {"from": 3, "from_inclusive": False, "points": 1},
                ],
            },
            "not_arising": "exclude",
            "method": "external",
            "guidance": "Hướng dẫn",
            "evidence": "Văn bản",
            "name_en": "Leaf",
            "unknown": True,
        }
    )
    node(data, "1.1.2").update(
        {"rule": {"kind": "timeliness", "late": 0.25}, "applies_to": ["commune"]}
    )
    node(data, "2.1.1").update({"rule": {"kind": "manual", "step": 0.0001}, "method": "survey"})
    data["fields"][0]["guidance"] = "Lĩnh vực"
    return data


def test_round_trip_equality():
    m = methodology_from_dict(_rich(), SRC)
    again = methodology_from_dict(methodology_to_dict(m), "again.yaml")
    assert again == m
    assert methodology_to_dict(again) == methodology_to_dict(m)
    assert isinstance(m.nodes["1.1.1"].rule, Thresholds)
    assert isinstance(m.nodes["2.1.1"].rule, Manual)


def test_round_trip_small_yaml():
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    m = methodology_from_dict(data, SMALL.name)
    assert methodology_from_dict(methodology_to_dict(m)) == m
    # through YAML text as well (Decimals written as numbers)
    dumped = yaml.safe_dump(_plain(methodology_to_dict(m)), allow_unicode=True)
    assert methodology_from_dict(yaml.safe_load(dumped)) == m


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_loader_does_not_modify_its_input():
    data = _rich()
    before = copy.deepcopy(data)
    methodology_from_dict(data, SRC)
    assert data == before


def test_the_not_submitted_setting():
    assert methodology_from_dict(base(), SRC).not_submitted == "exclude"
    m = methodology_from_dict({**base(), "not_submitted": "zero"}, SRC)
    assert m.not_submitted == "zero"
    assert methodology_to_dict(m)["not_submitted"] == "zero"
    assert methodology_from_dict(methodology_to_dict(m), SRC).not_submitted == "zero"
    assert "not_submitted" in only({**base(), "not_submitted": "half"}).message
