"""What if: the new index, band, rank and probability after changing some points."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import NotArising, Override, Unit, compute_unit
from parindex.planner import PlannerError
from parindex.planner.target import Competitor, MonteCarlo, simulate
from parindex.planner.whatif import Change, Standing, what_if

D = Decimal
LEAVES = ("1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.1.2", "2.2.1")


def test_a_sub_criterion_at_full_points_lifts_the_index_and_the_band(small, small_results):
    # SO-A: 6,65 points + 0,5 bonus = 7,15 / 8 = 89,3750 (B); 1.1.2 from 0,5 to 1: 7,65 / 8
    r = what_if(small, small_results["SO-A"], [Change("1.1.2", D("1"))])
    assert (r.index_before, r.index, r.index_change) == (D("89.3750"), D("95.6250"), D("6.2500"))
    assert (r.grade_before.code, r.grade.code) == ("B", "A")
    assert r.points == D("7.6500") and r.max_points == D("8.0000")
    assert [(a.code, a.before, a.after) for a in r.applied] == [("1.1.2", D("0.5000"), D("1"))]


def test_a_whole_field_takes_the_points_given_within_its_maximum(small, small_results):
    r = what_if(small, small_results["SO-A"], [Change("2", D("4"))])
    assert r.index == D("96.8750")  # 3,25 + 4 + 0,5 bonus = 7,75 / 8
    capped = what_if(small, small_results["SO-A"], [Change("2", D("9"))])
    assert capped.applied[0].after == D("4.0000")  # field 2's maximum for a department
    assert capped.index == D("96.8750")


def test_a_change_inside_a_changed_field_is_ignored(small, small_results):
    r = what_if(small, small_results["SO-A"], [Change("2.1.1", D("0")), Change("2", D("4"))])
    assert r.ignored == ("2.1.1",) and "2" in r.notes[0]
    assert r.index == D("96.8750")


def test_a_sub_criterion_that_does_not_apply_stays_out(small, small_results):
    r = what_if(small, small_results["SO-A"], [Change("2.1.2", D("2"))])
    assert r.ignored == ("2.1.2",) and r.index == r.index_before


def test_codes_not_in_the_methodology_and_adjustments_are_refused(small, small_results):
    with pytest.raises(PlannerError, match="9.9"):
        what_if(small, small_results["SO-A"], [Change("9.9", D("1"))])
    with pytest.raises(PlannerError):
        what_if(small, small_results["SO-A"], [Change("T1", D("1"))])


def test_the_rank_against_the_competitors_shares_ties(small, small_results):
    standing = Standing((D("80"), D("95.625"), D("97"), D("95.625")))  # any order
    r = what_if(small, small_results["SO-A"], [Change("1.1.2", D("1"))], standing)
    assert (r.rank, r.rank_best, r.rank_worst) == (2, 2, 4)
    assert r.chance is None


def test_with_a_simulation_the_probability_comes_with_the_answer(small, small_results):
    sim = simulate(
        [Competitor("X", D("95"), (D("1"), D("-1"))), Competitor("Y", D("90"), (D("2"),))],
        MonteCarlo(draws=1_000, min_changes=1),
    )
    standing = Standing((D("95"), D("90")), sim, k=1)
    r = what_if(small, small_results["SO-A"], [Change("1.1.2", D("1"))], standing)
    assert r.chance == sim.chance(D("95.6250"), 1)
    assert D("0.4") < r.chance.probability < D("0.6")  # X at 96 or 94, half the time


points = st.integers(-4, 12).map(lambda q: D(q) / 4)  # -1 to 3, outside the maxima too


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["SO-A", "XA-B", "SO-NA"]),
    st.dictionaries(st.sampled_from(LEAVES), points, max_size=7),
)
def test_leaf_changes_give_what_the_engine_gives_with_the_same_overrides(
    small, small_inputs, unit_code, changes
):
    if unit_code == "SO-NA":  # 1.1.2 "không phát sinh", excluded from the maximum
        unit, inputs = small_inputs["SO-A"]
        unit, inputs = Unit("SO-NA", type="department"), {**inputs, "1.1.2": NotArising()}
    else:
        unit, inputs = small_inputs[unit_code]
    before = compute_unit(small, unit, inputs)
    engine = compute_unit(small, unit, inputs, {c: Override(p) for c, p in changes.items()})
    r = what_if(small, before, [Change(c, p) for c, p in changes.items()])
    assert (r.points, r.max_points, r.index, r.grade) == (
        engine.points,
        engine.max_points,
        engine.index,
        engine.grade,
    )
