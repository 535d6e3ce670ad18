"""The score a rank takes: last year's threshold and this year's Monte Carlo."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import competition_ranks
from parindex.planner import PlannerError
from parindex.planner.history import PublishedResult, build_history
from parindex.planner.target import (
    Competitor,
    MonteCarlo,
    competitors_from,
    index_for_rank,
    simulate,
    target,
)

D = Decimal

# Three competitors, two possible changes each: 8 equally likely outcomes.
HAND = (
    Competitor("A", D("80"), (D("2"), D("-2"))),  # 82 or 78
    Competitor("B", D("79"), (D("4"), D("0"))),  # 83 or 79
    Competitor("C", D("81"), (D("-3"), D("1"))),  # 78 or 82
)


def exact(competitors, index, k):
    """P(rank <= k) by enumerating every outcome (each competitor's changes equally likely)."""
    outcomes = list(itertools.product(*[[c.last + d for d in c.changes] for c in competitors]))
    hits = sum(1 for o in outcomes if sum(1 for v in o if v > index) <= k - 1)
    return hits / len(outcomes)


def test_last_years_threshold_is_the_kth_best_competitor_with_shared_ranks():
    scores = {"A": D("90"), "B": D("85"), "C": D("85"), "D": D("80")}
    assert index_for_rank(scores, 1).index == D("90.0000")
    second = index_for_rank(scores, 2, year=2024)
    assert (second.index, second.holders) == (D("85.0000"), ("B", "C"))
    assert "đồng hạng" in second.explanation and "năm 2024" in second.explanation
    assert index_for_rank(scores, 3).index == D("85.0000")  # equalling 85 ties for rank 2
    assert index_for_rank(scores, 4).index == D("80.0000")
    beyond = index_for_rank(scores, 5)
    assert (beyond.index, beyond.holders) == (D("0.0000"), ())
    with pytest.raises(ValueError):
        index_for_rank(scores, 0)


@settings(deadline=None)
@given(
    st.lists(st.integers(0, 1_000_000), min_size=1, max_size=12),
    st.integers(1, 12),
)
def test_the_threshold_reaches_rank_k_and_one_ten_thousandth_less_does_not(units, k):
    scores = {f"P{i}": D(u) / 10_000 for i, u in enumerate(units)}
    x = index_for_rank(scores, k).index

    def rank(value):
        values = [value, *scores.values()]
        return competition_ranks(values, lambda v: (v,))[0]

    assert rank(x) <= k
    if k <= len(scores) and x > 0:
        assert rank(x - D("0.0001")) > k


@pytest.mark.parametrize(
    ("index", "k", "probability"),
    [(D("81"), 1, 0.125), (D("82"), 1, 0.5), (D("79"), 3, 0.875), (D("80"), 2, 0.5)],
)
def test_the_monte_carlo_matches_the_probability_worked_out_by_hand(index, k, probability):
    assert exact(HAND, index, k) == probability  # the enumeration agrees with the hand
    sim = simulate(HAND, MonteCarlo(draws=100_000, seed=7, min_changes=2))
    chance = sim.chance(index, k)
    tolerance = 4 * math.sqrt(probability * (1 - probability) / 100_000)
    assert abs(float(chance.probability) - probability) <= tolerance
    assert (chance.draws, chance.seed) == (100_000, 7)
    assert "100.000 lần" in chance.method and "hạt giống 7" in chance.method


def test_the_rank_range_and_median_over_the_draws():
    chance = simulate(HAND, MonteCarlo(draws=20_000, seed=1, min_changes=2)).chance(D("81"), 1)
    # competitors above 81 ~ Binomial(3, 1/2): rank 1 (1/8), 2 (3/8), 3 (3/8), 4 (1/8)
    assert (chance.rank_low, chance.rank_median, chance.rank_high) == (1, 2, 4)


@pytest.mark.parametrize(
    ("p", "needed"), [("0.1", "79"), ("0.4", "82"), ("0.6", "83"), ("1", "83")]
)
def test_the_index_needed_is_the_quantile_of_the_kth_best(p, needed):
    # the best competitor: 79 (1/8: A and C fall to 78, B stays), 82 (3/8), 83 (1/2)
    sim = simulate(HAND, MonteCarlo(draws=20_000, seed=3, min_changes=2))
    answer = sim.index_needed(1, D(p))
    assert answer.index == D(needed).quantize(D("0.0001"))
    assert answer.achieved >= D(p)
    below = sim.chance(answer.index - D("0.0001"), 1).probability
    assert below < D(p)  # nothing lower reaches the probability


def test_the_same_seed_gives_the_same_draws_and_another_seed_other_draws():
    one = simulate(HAND, MonteCarlo(draws=5_000, seed=11, min_changes=2))
    two = simulate(HAND, MonteCarlo(draws=5_000, seed=11, min_changes=2))
    other = simulate(HAND, MonteCarlo(draws=5_000, seed=12, min_changes=2))
    assert np.array_equal(one.scores, two.scores)
    assert one.chance(D("81"), 1) == two.chance(D("81"), 1)
    assert not np.array_equal(one.scores, other.scores)


def test_a_competitor_with_too_few_changes_draws_from_the_pool():
    short = Competitor("D", D("70"), (D("5"),))
    sim = simulate([short], MonteCarlo(draws=100, min_changes=2), pool=[D("10")])
    assert sim.pooled == ("D",) and sim.pool_size == 1
    assert set(sim.scores[:, 0].tolist()) == {800_000}  # 70 + 10, never its own +5
    assert "rút từ 1 mức thay đổi chung" in sim.method
    own = simulate([short], MonteCarlo(draws=100, min_changes=1), pool=[D("10")])
    assert set(own.scores[:, 0].tolist()) == {750_000} and own.pooled == ()


def test_without_any_change_to_draw_from_the_simulation_is_refused():
    with pytest.raises(PlannerError):
        simulate([Competitor("D", D("70"))], MonteCarlo(draws=10))


def test_indices_stay_within_0_and_100():
    sim = simulate(
        [Competitor("Top", D("99"), (D("5"),)), Competitor("Low", D("2"), (D("-5"),))],
        MonteCarlo(draws=10, min_changes=1),
    )
    assert sim.scores.max() == 1_000_000 and sim.scores.min() == 0


def test_with_fewer_competitors_than_k_every_index_reaches_it():
    sim = simulate(HAND, MonteCarlo(draws=100, min_changes=2))
    assert sim.chance(D("0"), 4).probability == D("1.0000")
    assert sim.index_needed(4, D("0.9")).index == D("0.0000")


def _history():
    rows = []
    for year, base in ((2022, 80), (2023, 82), (2024, 81), (2025, 84)):
        rows += [
            PublishedResult(year, "Hà Nội", D(base + 5)),
            PublishedResult(year, "Quảng Ninh", D(base + 7)),
            PublishedResult(year, "Sơn La", D(base - 3)),
        ]
        rows.append(PublishedResult(year, "Lào Cai", D(base)))
    rows.append(PublishedResult(2024, "Cao Bằng", D("70")))  # nothing in 2025
    return build_history(rows)


def test_competitors_are_the_other_provinces_with_a_value_in_the_latest_year():
    comps, left_out = competitors_from(_history(), "Lào Cai")
    assert [c.name for c in comps] == ["Hà Nội", "Sơn La", "Quảng Ninh"]  # lineage order
    assert comps[0].last == D("89.0000")
    assert comps[0].changes == (D("2.0000"), D("-1.0000"), D("3.0000"))
    assert "Cao Bằng" in left_out and "Lào Cai" not in left_out


def test_target_answers_what_rank_k_takes_in_one_call():
    answer = target(_history(), "Lào Cai", 2, index=D("88"), settings=MonteCarlo(draws=2_000))
    assert answer.year == 2025
    assert answer.last_year.index == D("89.0000")  # Hà Nội second after Quảng Ninh 91
    assert answer.last_year.holders == ("Hà Nội",)
    assert answer.chance is not None and answer.chance.index == D("88.0000")
    assert answer.needed.k == 2 and answer.needed.probability == D("0.5")
    assert answer.needed.achieved >= D("0.5")
    assert answer.simulation.draws == 2_000 and answer.needed.seed == 2025
    with pytest.raises(PlannerError):
        target(_history(), "Atlantis", 2)


def test_draws_are_bounded():
    with pytest.raises(ValueError):
        MonteCarlo(draws=0)
    with pytest.raises(ValueError):
        MonteCarlo(draws=1_000_000)
