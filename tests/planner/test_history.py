"""History with lineage: merged provinces' earlier years pro forma by a selectable rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.planner.history import (
    CONTINUING,
    MAX,
    MEAN,
    MIN,
    DuplicateResult,
    PublishedResult,
    UnknownProvince,
    build_history,
)
from parindex.results.lineage import parse_lineage

D = Decimal

# Test figures (Lào Cai 2024 as published; the others invented for the test).
ROWS = [
    PublishedResult(2023, "Lào Cai", D("87.10")),
    PublishedResult(2023, "Yên Bái", D("85.00")),
    PublishedResult(2024, "Lào Cai", D("89.03"), rank=26),
    PublishedResult(2024, "Yên Bái", D("87.50"), rank=40),
    PublishedResult(2025, "Lào Cai", D("90.20"), rank=12),
    PublishedResult(2024, "Thừa Thiên-Huế", D("88.00"), rank=30),
    PublishedResult(2025, "Huế", D("89.00"), rank=20),
]


def test_a_merged_pair_is_shown_pro_forma_by_the_predecessors_mean():
    h = build_history(ROWS, MEAN)
    point = h.by_province["Lào Cai"].at(2024)
    assert point is not None
    assert point.index == D("88.2650")  # (89,03 + 87,50) / 2
    assert point.pro_forma and point.rule == MEAN
    assert point.inputs == (("Lào Cai", D("89.03")), ("Yên Bái", D("87.50")))
    assert point.missing == ()
    assert "Lào Cai 89,03" in point.explanation and "Yên Bái 87,50" in point.explanation
    assert point.explanation.endswith("→ 88,27.")


@pytest.mark.parametrize(
    ("rule", "expected", "inputs"),
    [
        (CONTINUING, D("89.0300"), (("Lào Cai", D("89.03")),)),
        (MAX, D("89.0300"), (("Lào Cai", D("89.03")), ("Yên Bái", D("87.50")))),
        (MIN, D("87.5000"), (("Lào Cai", D("89.03")), ("Yên Bái", D("87.50")))),
    ],
)
def test_the_other_rules_on_the_merged_pair(rule, expected, inputs):
    point = build_history(ROWS, rule).by_province["Lào Cai"].at(2024)
    assert point is not None
    assert (point.index, point.rule, point.inputs) == (expected, rule, inputs)


def test_from_2025_the_province_is_taken_as_published():
    point = build_history(ROWS, MEAN).by_province["Lào Cai"].at(2025)
    assert point is not None
    assert (point.index, point.pro_forma, point.rank) == (D("90.2000"), False, 12)


def test_a_province_with_one_predecessor_keeps_its_published_values_under_the_new_name():
    series = build_history(ROWS, MEAN).by_province["Huế"]
    point = series.at(2024)
    assert point is not None
    assert point.index == D("88.0000") and not point.pro_forma and point.rank == 30
    assert point.inputs == (("Thừa Thiên Huế", D("88.00")),)  # the lineage spelling


def test_the_mean_is_of_the_predecessors_published_and_lists_the_missing_ones():
    rows = [
        PublishedResult(2024, "Phú Thọ", D("80.00")),
        PublishedResult(2024, "Hòa Bình", D("83.00")),
    ]
    point = build_history(rows, MEAN).by_province["Phú Thọ"].at(2024)
    assert point is not None
    assert point.index == D("81.5000")
    assert point.missing == ("Vĩnh Phúc",)
    assert "không có số liệu: Vĩnh Phúc" in point.explanation


def test_the_mean_rounds_half_up_to_four_decimals():
    rows = [
        PublishedResult(2024, "Cà Mau", D("80.0001")),
        PublishedResult(2024, "Bạc Liêu", D("80.0000")),
    ]
    point = build_history(rows, MEAN).by_province["Cà Mau"].at(2024)
    assert point is not None and point.index == D("80.0001")  # 80,00005 half up


def test_continuing_has_no_value_when_the_surviving_province_was_not_published():
    rows = [PublishedResult(2024, "Yên Bái", D("87.50"))]
    h = build_history(rows, CONTINUING)
    assert h.by_province["Lào Cai"].at(2024) is None
    assert build_history(rows, MEAN).by_province["Lào Cai"].value(2024) == D("87.5000")


def test_continuing_falls_back_to_the_province_whose_seat_it_keeps():
    table = parse_lineage(
        "province_2025,capital_seat_from,predecessors_before_2025_07_01\nTỉnh Mới,Bắc,Bắc;Nam\n"
    )
    rows = [PublishedResult(2024, "Bắc", D("70")), PublishedResult(2024, "Nam", D("90"))]
    point = build_history(rows, CONTINUING, table=table).by_province["Tỉnh Mới"].at(2024)
    assert point is not None and point.index == D("70.0000")
    assert point.inputs == (("Bắc", D("70")),)


def test_year_on_year_changes_skip_gaps_and_say_when_they_are_pro_forma():
    rows = [
        *ROWS,
        PublishedResult(2021, "Lào Cai", D("80")),
        PublishedResult(2021, "Yên Bái", D("80")),
    ]
    changes = build_history(rows, MEAN).changes("Lào Cai")
    assert [(c.year, c.change, c.pro_forma) for c in changes] == [
        (2024, D("2.2150"), True),  # 88,2650 - 86,0500
        (2025, D("1.9350"), True),  # 90,2000 - 88,2650: one end pro forma
    ]  # 2021 -> 2023 is a gap: no change
    huế = build_history(ROWS, MEAN).changes("Huế")
    assert [(c.change, c.pro_forma) for c in huế] == [(D("1.0000"), False)]


def test_pooled_changes_gather_every_province():
    h = build_history(ROWS, MEAN)
    assert sorted(h.pooled_changes) == sorted([D("2.2150"), D("1.9350"), D("1.0000")])


def test_values_of_a_year_are_the_34_provinces_that_have_one():
    h = build_history(ROWS, MEAN)
    assert h.values(2024) == {"Huế": D("88.0000"), "Lào Cai": D("88.2650")}
    assert h.published[2024]["Yên Bái"] == D("87.50")
    assert h.years == (2023, 2024, 2025)
    assert len(h.series) == 34


def test_spellings_as_published_are_matched():
    rows = [
        PublishedResult(2024, "TP. Hồ Chí Minh", D("85")),
        PublishedResult(2024, "Bà Rịa-Vũng Tàu", D("86")),
        PublishedResult(2024, "Tỉnh Khánh Hoà", D("84")),
    ]
    h = build_history(rows, MEAN)
    assert h.by_province["Hồ Chí Minh"].value(2024) == D("85.5000")
    assert h.by_province["Khánh Hòa"].value(2024) == D("84.0000")


def test_unknown_provinces_are_all_refused_at_once():
    rows = [
        PublishedResult(2024, "Atlantis", D("80")),
        PublishedResult(2025, "Yên Bái", D("80")),  # not one of the 34 after 01/07/2025
        PublishedResult(2024, "Lào Cai", D("80")),
    ]
    with pytest.raises(UnknownProvince) as exc:
        build_history(rows)
    assert exc.value.rows == ((2024, "Atlantis"), (2025, "Yên Bái"))


def test_a_province_twice_in_a_year_is_refused():
    rows = [
        PublishedResult(2024, "Lào Cai", D("80")),
        PublishedResult(2024, "Tỉnh Lào Cai", D("81")),
    ]
    with pytest.raises(DuplicateResult):
        build_history(rows)


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        build_history(ROWS, "median")
