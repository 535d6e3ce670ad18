"""The cheapest way there: the exact integer programme against brute force."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import q4
from parindex.core.numbers import HUNDRED
from parindex.planner import PlannerError
from parindex.planner.optimise import (
    MAX_POINTS,
    MIN_COST,
    Item,
    cheapest_to_reach,
    describe,
    most_points_within,
    points_needed,
)

D = Decimal

points_st = st.one_of(
    st.sampled_from([D("0.125"), D("0.25"), D("0.5"), D("0.75"), D("1"), D("2")]),
    st.integers(0, 30_000).map(lambda u: D(u) / 10_000),  # any 4-decimal value up to 3
)
cost_st = st.one_of(st.integers(0, 20).map(D), st.integers(0, 2_000).map(lambda u: D(u) / 100))
items_st = st.lists(st.tuples(points_st, cost_st), max_size=10).map(
    lambda pairs: [Item(f"i{n}", p, c) for n, (p, c) in enumerate(pairs)]
)


def subsets(items):
    for r in range(len(items) + 1):
        yield from itertools.combinations(items, r)


def total(chosen, attr):
    return sum((getattr(i, attr) for i in chosen), D(0))


@settings(max_examples=150, deadline=None)
@given(items_st, st.integers(0, 32_000).map(lambda u: D(u) / 10_000))
def test_the_cheapest_set_costs_what_brute_force_finds(items, needed):
    answer = cheapest_to_reach(items, needed)
    reaching = [s for s in subsets(items) if total(s, "points") >= needed]
    if not reaching:
        assert not answer.feasible and answer.chosen == ()
        assert "cần" in answer.reason
        return
    assert answer.feasible and answer.objective == MIN_COST
    assert answer.cost == q4(min(total(s, "cost") for s in reaching))
    assert answer.points == q4(total(answer.chosen, "points")) >= needed
    assert answer.cost == q4(total(answer.chosen, "cost"))


@settings(max_examples=150, deadline=None)
@given(items_st, st.integers(0, 3_000).map(lambda u: D(u) / 100))
def test_the_most_points_within_a_budget_are_what_brute_force_finds(items, budget):
    answer = most_points_within(items, budget)
    fitting = [s for s in subsets(items) if total(s, "cost") <= budget]
    assert answer.feasible and answer.objective == MAX_POINTS
    assert answer.points == q4(max(total(s, "points") for s in fitting))
    assert total(answer.chosen, "cost") <= budget


def test_decimal_points_are_summed_exactly():
    items = [
        Item("a", D("0.125"), D("1")),
        Item("b", D("0.125"), D("1")),
        Item("c", D("0.25"), D("3")),
    ]
    answer = cheapest_to_reach(items, D("0.25"))
    assert answer.ids == ("a", "b") and answer.points == D("0.2500") and answer.cost == D("2.0000")


def test_infeasible_says_how_many_points_are_missing():
    items = [Item("a", D("1.5"), D("1")), Item("b", D("2"), D("1"))]
    answer = cheapest_to_reach(items, D("5"))
    assert not answer.feasible
    assert answer.reason == (
        "Tất cả 2 mục cộng lại chỉ được 3,5000 điểm, cần 5,0000 điểm (thiếu 1,5000)."
    )
    assert describe(answer) == answer.reason


def test_nothing_needed_chooses_nothing():
    answer = cheapest_to_reach([Item("a", D("1"), D("1"))], D("0"))
    assert answer.feasible and answer.chosen == () and answer.cost == D("0.0000")
    assert "0 mục" in describe(answer)


def test_bad_items_are_refused_with_every_problem():
    items = [Item("a", D("-1"), D("1")), Item("a", D("0.12345"), D("1"))]
    with pytest.raises(PlannerError) as exc:
        cheapest_to_reach(items, D("1"))
    text = str(exc.value)
    assert "mã 'a' trùng" in text and "không âm" in text and "4 chữ số" in text


def test_ninety_items_are_solved_exactly():
    items = [Item(f"t{i}", D((i * 37) % 97 + 1) / 100, D((i * 53) % 89 + 1)) for i in range(90)]
    answer = cheapest_to_reach(items, D("10"))
    assert answer.feasible and answer.points >= D("10")
    # no single chosen item can be dropped (else the answer was not the cheapest)
    assert all(answer.points - i.points < D("10") or i.cost == 0 for i in answer.chosen)
    budget = most_points_within(items, answer.cost)
    assert budget.points >= answer.points  # the same money buys at least those points


@settings(deadline=None)
@given(
    st.integers(0, 650_000).map(lambda u: D(u) / 10_000),
    st.integers(0, 1_000_000).map(lambda u: D(u) / 10_000),
)
def test_points_needed_are_the_fewest_that_reach_the_target(points, target):
    max_points = D("65")

    def index(total):
        return q4(total / max_points * HUNDRED)

    needed = points_needed(points, max_points, target)
    assert index(points + needed) >= target
    if needed > 0:
        assert index(points + needed - D("0.0001")) < target


def test_points_needed_on_the_seed_figures():
    # 61,4203 / 65 (index 94,4928) to index 95: 61,7500 points, 0,3297 more
    assert points_needed(D("61.4203"), D("65"), D("95")) == D("0.3297")
    assert points_needed(D("61.4203"), D("65"), D("90")) == D("0.0000")
    with pytest.raises(PlannerError):
        points_needed(D("61"), D("65"), D("101"))
