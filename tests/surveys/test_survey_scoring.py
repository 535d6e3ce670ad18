"""Properties of the survey statistics (pure functions, no database)."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.surveys import scoring
from parindex.surveys.scoring import Item, Source

ABCD = {"0": Decimal(100), "1": Decimal(60), "2": Decimal(20), "3": Decimal(0)}
CODES = ["0", "1", "2", "3", "4", "."]  # 4: no opinion (no score), ".": unanswered
HL5 = {"0": Decimal(0), "1": Decimal(25), "2": Decimal(50), "3": Decimal(75), "4": Decimal(100)}
SATISFIED = frozenset({"3", "4"})

weights = st.decimals(min_value=0, max_value=5, places=2)
patterns = st.lists(st.sampled_from(CODES), min_size=3, max_size=3).map(tuple)
samples = st.dictionaries(patterns, st.integers(min_value=1, max_value=50), min_size=1, max_size=20)


def items(ws: list[Decimal], scores=ABCD, satisfied=frozenset()) -> tuple[Item, ...]:
    return tuple(
        Item(index=i, weight=w, scores=scores, satisfied=satisfied, aspect="a", key=f"q{i}")
        for i, w in enumerate(ws)
    )


@given(samples, st.lists(weights, min_size=3, max_size=3))
def test_percentages_stay_between_0_and_100_and_the_interval_contains_the_mean(sample, ws):
    stat = scoring.score_mean([Source(items(ws), Counter(sample))])
    if stat is None:
        return
    assert Decimal(0) <= stat.low <= stat.mean <= stat.high <= Decimal(100)
    assert stat.n <= sum(sample.values())


@given(samples)
def test_sipas_share_stays_between_0_and_100_and_wilson_contains_it(sample):
    src = Source(items([Decimal(1)] * 3, HL5, SATISFIED), Counter(sample))
    stat = scoring.satisfied_share([src])
    if stat is None:
        return
    assert stat.method == scoring.WILSON
    assert Decimal(0) <= stat.low <= stat.mean <= stat.high <= Decimal(100)


@given(samples, st.lists(weights, min_size=3, max_size=3), st.data())
@settings(max_examples=200)
def test_more_agreement_never_lowers_the_score(sample, ws, data):
    """Moving one respondent's answer to a better-scored option never lowers the mean."""
    before = scoring.score_mean([Source(items(ws), Counter(sample))])
    pattern = data.draw(st.sampled_from(sorted(sample)))
    i = data.draw(st.integers(min_value=0, max_value=2))
    if pattern[i] not in ("1", "2", "3") or ws[i] == 0:
        return  # only a scored, improvable answer to a question that counts
    better = str(int(pattern[i]) - 1)  # "0" (A) is the best
    changed = Counter(sample)
    changed[pattern] -= 1
    if not changed[pattern]:
        del changed[pattern]
    changed[pattern[:i] + (better,) + pattern[i + 1 :]] += 1
    after = scoring.score_mean([Source(items(ws), changed)])
    assert before is not None and after is not None
    assert after.mean >= before.mean


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=40))
def test_more_satisfied_answers_give_a_higher_sipas_share(satisfied, unsatisfied):
    def share(s: int, u: int) -> Decimal:
        sample = (
            Counter({("4", "4", "4"): s, ("1", "1", "1"): u}) if u else Counter({("4",) * 3: s})
        )
        stat = scoring.satisfied_share([Source(items([Decimal(1)] * 3, HL5, SATISFIED), sample)])
        assert stat is not None
        return stat.mean

    assert share(satisfied + 1, unsatisfied) >= share(satisfied, unsatisfied)


@given(
    st.sampled_from(list(ABCD)),
    st.sampled_from(list(ABCD)),
    st.decimals(min_value=Decimal("0.1"), max_value=10, places=1),
    st.decimals(min_value=Decimal("0.1"), max_value=10, places=1),
)
def test_weights_are_respected(a, b, wa, wb):
    """One respondent answering two questions scores their weighted mean; a weight of 0
    leaves a question out."""
    src = Source(items([wa, wb, Decimal(0)]), Counter({(a, b, "0"): 1}))
    stat = scoring.score_mean([src])
    expected = (wa * ABCD[a] + wb * ABCD[b]) / (wa + wb)
    assert stat is not None
    assert stat.mean == scoring.q4(expected)


def test_a_heavier_weight_pulls_the_score_towards_its_question():
    light = scoring.score_mean(
        [Source(items([Decimal(1), Decimal(1), Decimal(0)]), {("0", "3", "."): 5})]
    )
    heavy = scoring.score_mean(
        [Source(items([Decimal(3), Decimal(1), Decimal(0)]), {("0", "3", "."): 5})]
    )
    assert light.mean == Decimal(50) and heavy.mean == Decimal(75)


def test_no_opinion_and_unanswered_questions_are_left_out():
    stat = scoring.score_mean([Source(items([Decimal(1)] * 3), {("0", "4", "."): 2})])
    assert stat.mean == Decimal(100) and stat.n == 2
    assert scoring.score_mean([Source(items([Decimal(1)] * 3), {("4", ".", "4"): 3})]) is None


def test_worked_example_normal_interval():
    """Respondent scores 100, 60, 60, 20: mean 60, s = √(3200/3) = 32.66, half-width
    1.96·s/√4 = 32.0067."""
    src = Source(items([Decimal(1)]), {("0",): 1, ("1",): 2, ("2",): 1})
    stat = scoring.score_mean([src])
    assert (stat.n, stat.mean) == (4, Decimal(60))
    assert stat.low == Decimal("27.9933") and stat.high == Decimal("92.0067")


def test_a_single_respondent_gets_the_widest_interval():
    stat = scoring.score_mean([Source(items([Decimal(1)]), {("1",): 1})])
    assert (stat.mean, stat.low, stat.high) == (Decimal(60), Decimal(0), Decimal(100))


def test_worked_example_wilson():
    """8 satisfied out of 10: p = 0.8, Wilson 95 % interval (0.4902, 0.9433)."""
    stat = scoring.wilson_interval(Decimal(80), 10)
    assert stat.mean == Decimal(80)
    z, p, n = 1.96, 0.8, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert abs(float(stat.low) - 100 * (centre - half)) < 1e-3
    assert abs(float(stat.high) - 100 * (centre + half)) < 1e-3
    assert (stat.low, stat.high) == (Decimal("49.0157"), Decimal("94.3319"))


def test_sipas_leaf_is_the_mean_of_its_aspects():
    its = (
        Item(0, Decimal(1), HL5, SATISFIED, "access", "q0"),
        Item(1, Decimal(1), HL5, SATISFIED, "staff", "q1"),
    )
    # access: 3 of 4 satisfied (75 %); staff: 1 of 4 (25 %); leaf = 50 %.
    sample = Counter({("4", "0"): 1, ("3", "1"): 2, ("1", "4"): 1})
    leaf, aspects = scoring.sipas_leaf([Source(its, sample)])
    assert aspects["access"].mean == Decimal(75) and aspects["staff"].mean == Decimal(25)
    assert leaf.mean == Decimal(50) and leaf.n == 4


def test_sipas_score_mean_method_uses_option_scores():
    its = (Item(0, Decimal(1), HL5, SATISFIED, "access", "q0"),)
    leaf, _aspects = scoring.sipas_leaf([Source(its, {("4",): 1, ("2",): 1})], scoring.SCORE_MEAN)
    assert leaf.mean == Decimal(75) and leaf.method == scoring.NORMAL


def test_points_follow_the_engine_rule():
    assert scoring.points(Decimal("82.4567"), Decimal("2.5")) == Decimal("2.0614")


def test_sipas_sample_size_formula():
    assert scoring.sample_size(10_000) == 385
    assert scoring.sample_size(0) == 0
