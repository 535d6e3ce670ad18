"""A block (e.g. a survey) declared absent for a unit (issue 11): excluded from the maximum, or,
when the methodology says `absent_block: rescale`, the rest of its component rescaled to the
full maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import (
    NotArising,
    Unit,
    ValidationFailed,
    compute_unit,
    methodology_from_dict,
    methodology_to_dict,
    parse_value,
    q4,
)
from parindex.core.aggregate import ABSENT, RESCALED

D = Decimal
NA = NotArising()


def spec(policy: str | None = "rescale", *, top_block: bool = False) -> dict:
    data = {
        "format": "parindex-methodology/1",
        "code": "b",
        "name": "Khối",
        "version": "2025",
        "fields": [
            {
                "code": "1",
                "name": "Thẩm định và điều tra",
                "max": 10,
                "children": [
                    {
                        "code": "1.1",
                        "name": "Thẩm định",
                        "max": 7,
                        "children": [
                            {"code": "1.1.1", "name": "A", "max": 4, "rule": "manual"},
                            {"code": "1.1.2", "name": "B", "max": 3, "rule": "manual"},
                        ],
                    },
                    {
                        "code": "1.2",
                        "name": "Điều tra xã hội học",
                        "max": 3,
                        "block": True,
                        "children": [
                            {"code": "1.2.1", "name": "SIPAS", "max": 3, "rule": "survey"}
                        ],
                    },
                ],
            },
            {
                "code": "2",
                "name": "Điều tra lãnh đạo",
                "max": 5,
                "block": top_block,
                "children": [{"code": "2.1", "name": "Khảo sát", "max": 5, "rule": "survey"}],
            },
        ],
    }
    if policy:
        data["absent_block"] = policy
    return data


def inputs(a="3", b="2", **extra):
    values = {
        "1.1.1": parse_value(a, "number"),
        "1.1.2": parse_value(b, "number"),
        "1.2.1": parse_value("80", "number"),
        "2.1": parse_value("50", "number"),
    }
    values.update(extra)
    return values


def test_present_block_scores_as_usual():
    r = compute_unit(methodology_from_dict(spec()), Unit("u"), inputs())
    assert r.nodes["1"].points == D("7.4")  # 3 + 2 + 2,4
    assert r.points == D("9.9")


def test_absent_block_rescales_the_rest_of_its_component():
    r = compute_unit(methodology_from_dict(spec()), Unit("u"), inputs(**{"1.2": NA}))
    field = r.nodes["1"]
    assert (field.points, field.max_points, field.status) == (q4(D(5) * 10 / 7), D(10), RESCALED)
    assert field.points == D("7.1429")
    assert (r.nodes["1.2"].status, r.nodes["1.2"].max_points) == (ABSENT, 0)
    assert r.nodes["1.2.1"].status == ABSENT
    assert "Khối 1.2 vắng mặt" in field.explanation
    assert "5,0000 × 10,00 / 7,00 → 7,1429" in field.explanation
    assert r.max_points == D(15)


def test_absent_block_excluded_by_default():
    r = compute_unit(methodology_from_dict(spec(None)), Unit("u"), inputs(**{"1.2": NA}))
    assert (r.nodes["1"].points, r.nodes["1"].max_points) == (D(5), D(7))
    assert r.max_points == D(12)


def test_absent_top_level_block_rescales_the_unit_total():
    m = methodology_from_dict(spec(top_block=True))
    r = compute_unit(m, Unit("u"), inputs(**{"2": NA}))
    assert r.nodes["2"].status == ABSENT
    assert r.base_points == q4(D("7.4") * 15 / 10)
    assert r.max_points == D(15)
    assert r.index == q4(D("7.4") / 10 * 100)


def test_validation_and_round_trip():
    m = methodology_from_dict(spec())
    assert methodology_from_dict(methodology_to_dict(m)) == m
    with pytest.raises(ValidationFailed, match="absent_block 'scale'"):
        methodology_from_dict(spec("scale"), "bo.yaml")
    nested = spec()
    nested["fields"][0]["block"] = True  # contains the block 1.2
    with pytest.raises(ValidationFailed) as caught:
        methodology_from_dict(nested, "bo.yaml")
    (issue,) = caught.value.issues
    assert (issue.source, issue.code) == ("bo.yaml", "1") and "1.2" in issue.message


@given(a=st.integers(0, 16).map(lambda i: D(i) / 4), b=st.integers(0, 12).map(lambda i: D(i) / 4))
@settings(max_examples=100, deadline=None)
def test_rescale_property(a, b):
    m = methodology_from_dict(spec())
    r = compute_unit(m, Unit("u"), inputs(str(a), str(b), **{"1.2": NA}))
    assert r.nodes["1"].points == q4((a + b) * 10 / 7)
    assert D(0) <= r.nodes["1"].points <= D(10)
    if a + b == 7:  # full marks on the rest: the full maximum
        assert r.nodes["1"].points == D(10)
