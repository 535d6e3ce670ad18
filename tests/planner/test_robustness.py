"""Rank robustness: rank intervals from survey sampling error and field weights."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import competition_ranks
from parindex.planner import PlannerError
from parindex.planner.robustness import (
    FieldPoints,
    RankInterval,
    Sampling,
    SurveyBlock,
    UnitScores,
    competition_ranks_rows,
    rank_intervals,
    se_from_interval,
    unit_scores,
    weight_sensitivity,
)

D = Decimal


def unit(code, a, b, survey_se=None):
    """Two fields of 10 points; field B's points are all survey points (se given)."""
    fields = (FieldPoints("A", D(a), D(10)), FieldPoints("B", D(b), D(10)))
    surveys = () if survey_se is None else (SurveyBlock("B.1", "B", D(b), D(10), D(survey_se)),)
    return UnitScores(code, code, fields, surveys)


def test_the_standard_error_from_a_confidence_interval():
    assert se_from_interval(D("80"), D("84")) == D("1.0204")  # 4 / (2 x 1,959964)
    assert se_from_interval(D("80"), D("84"), level=D("0.9")) == D("1.2159")  # z = 1,644854
    # on the survey's 0-100 scale, for a block of 2 points: x 2 / 100
    assert se_from_interval(D("80"), D("84"), max_points=D("2")) == D("0.0204")
    with pytest.raises(PlannerError):
        se_from_interval(D("84"), D("80"))


def test_without_anything_varied_every_interval_is_the_rank():
    units = [unit("U1", 9, 9), unit("U2", 8, 8), unit("U3", 8, 8), unit("U4", 5, 6)]
    r = rank_intervals(units, Sampling(draws=50, surveys=False))
    assert [(u.rank, u.low, u.median, u.high) for u in r.units] == [
        (1, 1, 1, 1),
        (2, 2, 2, 2),
        (2, 2, 2, 2),
        (4, 4, 4, 4),
    ]


def test_survey_sampling_error_widens_the_interval_of_close_units_only():
    units = [
        unit("Far", 10, 10, "0.05"),  # 100
        unit("Close1", 8, "7.5", "1"),  # 77,5
        unit("Close2", 8, "7.4", "1"),  # 77
        unit("Low", 2, 2, "0.05"),  # 20
    ]
    r = rank_intervals(units, Sampling(draws=4_000, seed=9))
    by = {u.code: u for u in r.units}
    assert (by["Far"].low, by["Far"].high) == (1, 1)
    assert (by["Low"].low, by["Low"].high) == (4, 4)
    assert (by["Close1"].rank, by["Close1"].low, by["Close1"].high) == (2, 2, 3)
    assert (by["Close2"].rank, by["Close2"].low, by["Close2"].high) == (3, 2, 3)
    assert r.draws == 4_000 and r.seed == 9 and "4.000 lần" in r.method


def test_the_same_seed_gives_the_same_intervals():
    units = [unit(f"U{i}", 5 + i % 4, 6 + i % 3, "0.8") for i in range(12)]
    one = rank_intervals(units, Sampling(draws=500, seed=4, weight_spread=D("0.2")))
    two = rank_intervals(units, Sampling(draws=500, seed=4, weight_spread=D("0.2")))
    assert one == two
    assert "±20 %" in one.method


def test_weights_moved_one_field_at_a_time_show_what_the_ranking_depends_on():
    units = [unit("StrongA", 10, 5), unit("StrongB", 5, 10), unit("Both", 9, 9)]
    fields = {s.field: s for s in weight_sensitivity(units, D("0.2"))}
    # 75 and 75 tie for 2nd; field A's weight x 1,2: StrongA 77,27 > StrongB 72,73
    assert fields["A"].up == (2, 3, 1) and fields["A"].down == (3, 2, 1)
    assert fields["B"].up == (3, 2, 1)
    assert fields["A"].largest_move == 1


def test_a_unit_result_becomes_unit_scores_with_its_survey_blocks(small_results):
    so_a = small_results["SO-A"]
    scores = unit_scores(so_a, {"2.2.1": D("0.1"), "9.9": D("1")})
    assert [f.code for f in scores.fields] == ["1", "2"]
    assert scores.surveys == (SurveyBlock("2.2.1", "2", D("1.6000"), D("2"), D("0.1")),)
    assert scores.adjustment == D("0.5000")
    assert scores.index == so_a.index == D("89.3750")


def test_the_interval_reads_as_officials_write_it():
    r = RankInterval("X", "X", D("80"), 9, 7, 9, 12, D("0.9"))
    assert r.text == "hạng 9, khoảng 90 %: 7–12"


@settings(deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), min_size=5, max_size=5), min_size=1, max_size=6))
def test_row_ranks_are_the_engines_competition_ranks(rows):
    values = np.array(rows, dtype=np.int64)
    expected = [competition_ranks(row, lambda v: (D(v),)) for row in rows]
    assert competition_ranks_rows(values).tolist() == expected


def test_draws_made_in_chunks_fill_every_draw(monkeypatch):
    import parindex.planner.robustness as robustness

    monkeypatch.setattr(robustness, "_CHUNK_CELLS", 7)  # one draw per chunk
    units = [unit("U1", 9, 9, "0"), unit("U2", 8, 8, "0"), unit("U3", 5, 6, "0")]
    r = rank_intervals(units, Sampling(draws=30, weight_spread=D("0.01")))
    assert [(u.low, u.high) for u in r.units] == [(1, 1), (2, 2), (3, 3)]


def test_no_units_no_intervals():
    assert rank_intervals([]).units == ()


def test_too_many_draws_for_the_units_are_refused():
    units = [unit(f"U{i}", 5, 5) for i in range(3)]
    with pytest.raises(PlannerError, match="giảm số lần rút"):
        rank_intervals(units, Sampling(draws=7_000_000))
