"""The target planner's service on the known small world (conftest.py): the index a rank
takes, the probability (exact here: every change is 0), reproducible with a seed, the points
needed, and the optimiser's choice mapped to the plan's tasks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.plans.models import Task
from parindex.targets import services as svc
from parindex.targets.reference import INTERNAL

D = Decimal


def ask(w, user="manager", **kw):
    return svc.answer(w.cast.users[user], w.p, svc.Settings(**kw))


def test_the_index_that_reached_rank_k_last_year(target_world):
    a = ask(target_world, k=2)
    assert a.reference.kind == INTERNAL and a.reference.years == (2023, 2024)
    assert sorted(c.last for c in a.reference.competitors) == [D("50"), D("71.875"), D("75")]
    assert a.last_year.index == D("71.8750") and a.last_year.holders == ("Sở Kế hoạch và Đầu tư",)
    assert a.current == D("62.5000") and not a.current_from_reference


def test_probability_and_index_needed_computed_by_hand(target_world):
    # every change is 0: next year's indices are last year's, the answer is certain
    a = ask(target_world, k=2)
    assert a.chance_now.probability == 0 and a.chance_now.rank_low == a.chance_now.rank_high == 3
    for n in a.needed:
        assert n.needed.index == D("71.8750") and n.needed.achieved == 1
        assert n.points == D("0.7500")  # 5 -> 5,75 points of 8
    # after the plan (every task succeeds): 5 + 0,5 + 0,5 + 2 = 8 points of 8
    assert a.index_after == D("100.0000") and a.chance_after.probability == 1


def test_the_same_seed_gives_the_same_answer(target_world):
    one = ask(target_world, k=1, draws=500, seed=7)
    two = ask(target_world, k=1, draws=500, seed=7)
    assert one.chance_now == two.chance_now and one.needed == two.needed
    assert one.simulation.seed == 7 and one.simulation.draws == 500
    assert (one.simulation.scores == two.simulation.scores).all()


def test_cheapest_tasks_reach_the_needed_index(target_world):
    a = ask(target_world, k=1)  # needs B's 75: 1 point more
    assert a.goal.points == D("1.0000")
    assert a.selection.feasible
    assert sorted(t.code for t in a.chosen) == ["1.2.2", "2.1.1"]  # cost 4, not 2.2.1's 10
    assert all(isinstance(t, Task) and t.plan_id == target_world.plan.pk for t in a.chosen)
    assert a.selection.cost == D("4.0000")
    assert a.index_chosen == D("75.0000") and a.chance_chosen.probability == 1


def test_budget_mode_gives_the_most_points(target_world):
    a = ask(target_world, k=1, mode=svc.BUDGET, budget=D("10"))
    assert [t.code for t in a.chosen] == ["2.2.1"]  # 2 points for 10 days beats 1 for 4
    a = ask(target_world, k=1, mode=svc.BUDGET, budget=D("5"))
    assert sorted(t.code for t in a.chosen) == ["1.2.2", "2.1.1"]


def test_infeasible_when_the_plan_cannot_reach_it(target_world):
    Task.objects.filter(plan=target_world.plan, code="2.2.1").update(effort_days=None)
    a = ask(target_world, k=1, cost_basis=svc.COST)  # no task has a cost in money
    assert not a.items and [t.code for t in a.without_cost] == ["1.2.2", "2.1.1", "2.2.1"]
    assert a.selection is not None and not a.selection.feasible
    assert "cần 1,0000 điểm" in a.selection.reason


def test_what_if_changes_index_band_rank_and_probability(target_world):
    from parindex.planner import Change

    w = svc.what_if_answer(
        target_world.cast.manager, target_world.p, svc.Settings(k=1), [Change("2.1.1", D("2"))]
    )
    assert w.index_before == D("62.5000") and w.index == D("68.7500")
    assert w.rank == 3 and w.chance.probability == 0
    w = svc.what_if_answer(
        target_world.cast.manager,
        target_world.p,
        svc.Settings(k=1),
        [Change("1", D("4")), Change("2.1.1", D("2"))],  # fmt: skip
    )
    assert (
        w.index == D("75.0000") and w.rank == 1 and w.rank_worst == 2 and w.chance.probability == 1
    )


def test_a_unit_does_not_see_a_ranking_it_may_not_read(target_world):
    # the cycles are final, not published: the officer of A reads only A's row
    with pytest.raises(svc.TargetError, match="Chưa có kết quả"):
        ask(target_world, user="officer")


def test_others_are_refused(target_world):
    with pytest.raises(svc.TargetError):
        ask(target_world, user="officer_b")
