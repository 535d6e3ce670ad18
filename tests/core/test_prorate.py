"""Items effective part of the period (issue 11, the 1 July 2025 reorganisation): points and
maximum x days effective / days of the period, both ends inclusive, rounded to 4 decimals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import (
    Unit,
    ValidationFailed,
    compute_unit,
    methodology_from_dict,
    methodology_to_dict,
    parse_value,
    q4,
    score_leaf,
)
from parindex.core.aggregate import MISSING

D = Decimal
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def spec(period=YEAR, **dates: object) -> dict:
    data = {
        "format": "parindex-methodology/1",
        "code": "p",
        "name": "Theo ngày",
        "version": "2025",
        "fields": [
            {
                "code": "1",
                "name": "Lĩnh vực",
                "max": 3,
                "children": [
                    {"code": "1.1", "name": "Cả năm", "max": 1, "rule": "yes_no"},
                    {"code": "1.2", "name": "Từ 1/7", "max": 2, "rule": "manual", **dates},
                ],
            }
        ],
    }
    if period is not None:
        data["period_from"], data["period_to"] = period
    return data


def points(m, value="2"):
    return compute_unit(
        m, Unit("u"), {"1.1": parse_value("có", "flag"), "1.2": parse_value(value, "number")}
    )


def test_second_half_of_2025_pro_rated_by_days_and_explained():
    m = methodology_from_dict(spec(valid_from="01/07/2025"))
    r = points(m)
    leaf = r.nodes["1.2"]
    assert (leaf.points, leaf.max_points) == (q4(D(2) * 184 / 365), q4(D(2) * 184 / 365))
    assert leaf.points == D("1.0082")
    assert r.max_points == D("2.0082") and r.index == D(100)
    assert "Hiệu lực 01/07/2025–31/12/2025: 184/365 ngày" in leaf.explanation
    assert "1,0082 / 1,0082 điểm" in leaf.explanation
    # the same for the self-assessment's own score of the leaf
    assert score_leaf(m, m.nodes["1.2"], Unit("u"), parse_value("1", "number")).points == D(
        "0.5041"
    )


def test_one_day_and_whole_period_and_missing():
    one = methodology_from_dict(spec(valid_from="2025-03-01", valid_to="2025-03-01"))
    assert points(one).nodes["1.2"].max_points == q4(D(2) / 365)
    whole = methodology_from_dict(spec(valid_from="01/01/2025", valid_to="31/12/2025"))
    assert points(whole).nodes["1.2"].points == D(2)
    missing = compute_unit(one, Unit("u"), {"1.1": parse_value("có", "flag")}).nodes["1.2"]
    assert (missing.status, missing.points, missing.max_points) == (MISSING, 0, q4(D(2) / 365))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (spec(period=None, valid_from="01/07/2025"), "period_from và period_to"),
        (spec(valid_from="01/07/2024"), "phải nằm trong kỳ đánh giá"),
        (spec(valid_from="01/08/2025", valid_to="01/07/2025"), "sau valid_to"),
        (spec(valid_from="31/02/2025"), "không phải là ngày"),
    ],
)
def test_validation_names_file_code_and_field(data, says):
    with pytest.raises(ValidationFailed) as caught:
        methodology_from_dict(data, "bo.yaml")
    (issue,) = caught.value.issues
    assert (issue.source, issue.code) == ("bo.yaml", "1.2")
    assert says in issue.message


def test_dates_refused_on_a_node_with_children():
    data = spec()
    data["fields"][0]["valid_from"] = "01/07/2025"
    with pytest.raises(ValidationFailed, match="chỉ đặt ở tiêu chí thành phần"):
        methodology_from_dict(data, "bo.yaml")


def test_yaml_round_trip():
    m = methodology_from_dict(spec(valid_from="01/07/2025"))
    back = methodology_from_dict(methodology_to_dict(m))
    assert back == m
    assert back.nodes["1.2"].valid_from == date(2025, 7, 1)
    assert back.period_from == YEAR[0]


@given(
    start=st.integers(0, 364),
    length=st.integers(1, 365),
    typed=st.integers(0, 8).map(lambda i: D(i) / 4),
)
@settings(max_examples=100, deadline=None)
def test_prorate_property(start, length, typed):
    lo = YEAR[0] + timedelta(days=start)
    hi = min(lo + timedelta(days=length - 1), YEAR[1])
    m = methodology_from_dict(spec(valid_from=lo.isoformat(), valid_to=hi.isoformat()))
    leaf = points(m, str(typed)).nodes["1.2"]
    days = (hi - lo).days + 1
    assert leaf.points == q4(typed * days / 365)
    assert leaf.max_points == q4(D(2) * days / 365)
    assert D(0) <= leaf.points <= leaf.max_points
