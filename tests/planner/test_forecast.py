"""Forecast: the expected year-end index from the entered scores and the plan's tasks."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from parindex.core import compute_unit
from parindex.planner import PlannerError
from parindex.planner.forecast import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    Likelihood,
    Task,
    forecast,
)
from parindex.planner.target import Competitor, MonteCarlo, simulate

D = Decimal


def test_the_chance_of_a_task_follows_its_status_and_progress():
    rule = Likelihood()
    assert rule.of(Task("a", D("1"), DONE)) == D("1")
    assert rule.of(Task("a", D("1"), NOT_STARTED)) == D("0.5000")
    assert rule.of(Task("a", D("1"), IN_PROGRESS, D("0.6"))) == D("0.8000")  # 50 % + 50 % x 60 %
    assert rule.of(Task("a", D("1"), OVERDUE, D("0.6"))) == D("0.4000")  # halved
    assert Likelihood(not_started=D("0.2")).of(Task("a", D("1"), IN_PROGRESS, D("0.5"))) == D(
        "0.6000"
    )
    with pytest.raises(PlannerError):
        rule.of(Task("a", D("1"), "maybe"))


def test_without_tasks_the_forecast_is_the_entered_scores(small, small_results):
    f = forecast(small, small_results["SO-A"], [], draws=100)
    assert f.index_now == f.expected == f.low == f.high == f.best == D("89.3750")


def test_two_tasks_worked_out_by_hand(small, small_results):
    # SO-A 7,15 / 8; two tasks of 0,4 points, not tied to a sub-criterion: chances 0,5 and
    # 0,8 -> 7,15 (0,1), 7,55 (0,5), 7,95 (0,4) -> index 89,375 / 94,375 / 99,375
    tasks = [
        Task("t1", D("0.4"), NOT_STARTED),
        Task("t2", D("0.4"), IN_PROGRESS, D("0.6")),
    ]
    f = forecast(small, small_results["SO-A"], tasks, draws=40_000, seed=5)
    exact = 0.1 * 89.375 + 0.5 * 94.375 + 0.4 * 99.375  # 95,875
    sd = math.sqrt(0.1 * 89.375**2 + 0.5 * 94.375**2 + 0.4 * 99.375**2 - exact**2)
    assert abs(float(f.expected) - exact) <= 4 * sd / math.sqrt(40_000)
    assert (f.low, f.high, f.best) == (D("89.3750"), D("99.3750"), D("99.3750"))
    assert [tc.chance for tc in f.tasks] == [D("0.5000"), D("0.8000")]
    assert f.grade is not None and f.grade.code == "A"
    assert "40.000 lần" in f.method and "hạt giống 5" in f.method and "50 %" in f.method
    again = forecast(small, small_results["SO-A"], tasks, draws=40_000, seed=5)
    assert again == f


def test_tasks_of_one_sub_criterion_cannot_take_it_above_its_maximum(small, small_results):
    tasks = [Task("a", D("0.5"), DONE, code="1.1.2"), Task("b", D("0.5"), DONE, code="1.1.2")]
    f = forecast(small, small_results["SO-A"], tasks, draws=100)
    assert f.expected == f.best == D("95.6250")  # 1.1.2 from 0,5 to its maximum 1, not 1,5


def test_a_task_already_in_the_entered_scores_adds_nothing(small, small_results):
    f = forecast(small, small_results["SO-A"], [Task("a", D("0.5"), DONE, counted=True)], draws=100)
    assert f.expected == D("89.3750") and f.tasks[0].adds == D("0")


def test_sub_criteria_not_yet_entered_count_what_is_expected_of_them(small, small_inputs):
    unit, inputs = small_inputs["SO-A"]
    partial = compute_unit(small, unit, {c: v for c, v in inputs.items() if c != "2.2.1"})
    assert partial.index == D("69.3750")  # 2.2.1 missing scores 0
    f = forecast(small, partial, [], expected_missing={"2.2.1": D("1.6")}, draws=10)
    assert f.index_now == f.expected == D("89.3750")


def test_against_the_competitors_draws_the_rank_range_and_probability(small, small_results):
    sim = simulate(
        [Competitor("X", D("92"), (D("0"),)), Competitor("Y", D("96"), (D("0"),))],
        MonteCarlo(draws=5_000, min_changes=1),
    )
    tasks = [Task("t", D("0.4"), NOT_STARTED)]  # 89,375 or 94,375, half the time each
    f = forecast(small, small_results["SO-A"], tasks, competitors=sim, k=2)
    assert (f.rank_low, f.rank_high) == (2, 3)
    assert f.probability is not None and D("0.45") < f.probability < D("0.55")
    assert f.draws == 5_000


def test_unknown_sub_criteria_are_refused(small, small_results):
    with pytest.raises(PlannerError, match="9.9"):
        forecast(small, small_results["SO-A"], [Task("t", D("1"), DONE, code="9.9")])
    with pytest.raises(PlannerError, match="không âm"):
        forecast(small, small_results["SO-A"], [Task("t", D("-1"), DONE)])


def test_a_task_on_a_sub_criterion_that_does_not_apply_adds_nothing(small, small_results):
    # 2.1.2 is for communes only; SO-A is a department
    f = forecast(small, small_results["SO-A"], [Task("a", D("2"), DONE, code="2.1.2")], draws=10)
    assert f.expected == f.best == D("89.3750")
