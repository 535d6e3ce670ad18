"""The target planner's answers for one unit in one cycle (issue 10): "what does rank <= k
take?", the cheapest plan tasks to get there (or the most points for a budget), what-if and
the year-end forecast. Django glue around the pure engine (parindex.planner): it reads the
unit's points, its plan's tasks and the competitors (reference.py), and asks the engine.
Reads only: nothing is written, nothing audited. Rights: permissions.may_plan_target.

Rules of the glue (the engine's modules state theirs):

- The unit's points (the basis, `Basis`): the cycle's final points when the cycle is
  finished; else the final points of the organiser's latest finished cycle of the same
  methodology the unit took part in; else the cycle's points at the latest stage the user
  reads (points being entered). What-if and the forecast change these points.
- The current index: the basis's index; for a province compared nationally whose basis is
  not a finished cycle, its latest national index (the basis then only gives the points
  scale: the maximum).
- The plan: the unit's plan drafted from this cycle (next year's), else its plan for this
  cycle's year. Its "recover" tasks with points expected back are the optimiser's items,
  their cost the effort (ngày công) or the cost (triệu đồng) estimate; tasks without that
  estimate are left out and listed. "Index after the plan": every such task succeeds.
- Points needed for an index: planner.optimise.points_needed on the basis's points and
  maximum (from the current index when it is not the basis's own).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Participation
from parindex.common.errors import ServiceError
from parindex.core import Grade, Methodology, UnitResult, q4
from parindex.core.numbers import HUNDRED
from parindex.planner import (
    MEAN,
    Chance,
    Change,
    IndexNeeded,
    Item,
    MonteCarlo,
    PlannerError,
    RankThreshold,
    Selection,
    Simulation,
    Standing,
    cheapest_to_reach,
    index_for_rank,
    most_points_within,
    points_needed,
    simulate,
    what_if,
)
from parindex.planner.target import DEFAULT_DRAWS, DEFAULT_SEED
from parindex.plans.models import Plan, Task
from parindex.results import computation

from .reference import NATIONAL, Reference, reference_for

PROBABILITIES = (Decimal("0.5"), Decimal("0.8"), Decimal("0.9"))
EFFORT, COST = "effort", "cost"
TARGET, BUDGET = "target", "budget"


class TargetError(ServiceError):
    """The planner cannot answer (no data to compare with, a refused request)."""


@dataclass(frozen=True)
class Settings:
    """What the page asks: the rank k, the pro forma rule, the Monte Carlo's draws and seed;
    the optimiser's mode (reach the index for `probability`, or the most points within
    `budget`) and which estimate is the cost; the forecast's chances by task status."""

    k: int = 10
    rule: str = MEAN
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    mode: str = TARGET
    probability: Decimal = Decimal("0.8")
    budget: Decimal | None = None
    cost_basis: str = EFFORT
    not_started: Decimal = Decimal("0.5")  # forecast: chance of a task not started
    overdue_factor: Decimal = Decimal("0.5")  # forecast: a late task's chance x this


@dataclass(frozen=True)
class Basis:
    """The unit's points the planner starts from (module docstring)."""

    methodology: Methodology
    result: UnitResult
    cycle: Cycle
    stage: str
    finished: bool

    @property
    def index(self) -> Decimal:
        return self.result.index


@dataclass(frozen=True)
class Needed:
    """The index needed for a probability, and the points to recover for it."""

    needed: IndexNeeded
    points: Decimal | None  # None: even full points do not reach it
    reached: bool  # the current index reaches it already


@dataclass(frozen=True)
class PlanItem:
    task: Task
    item: Item


@dataclass
class Answer:
    participation: Participation
    settings: Settings
    reference: Reference
    basis: Basis
    current: Decimal
    current_from_reference: bool
    last_year: RankThreshold
    simulation: Simulation | None
    error: str = ""
    chance_now: Chance | None = None
    plan: Plan | None = None
    items: list[PlanItem] = field(default_factory=list)
    without_cost: list[Task] = field(default_factory=list)
    index_after: Decimal | None = None
    chance_after: Chance | None = None
    needed: list[Needed] = field(default_factory=list)
    goal: Needed | None = None
    selection: Selection | None = None
    chosen: list[Task] = field(default_factory=list)
    index_chosen: Decimal | None = None
    chance_chosen: Chance | None = None


# --- reading -------------------------------------------------------------------------------


def require_target(user: Any, p: Participation) -> None:
    try:
        perm.require(perm.may_plan_target(user, p), _("Bạn không có quyền xem mục tiêu này."))
    except perm.NotAllowed as exc:
        raise TargetError(str(exc)) from None


def _result(cycle: Cycle, p: Participation, stage: str) -> UnitResult:
    with computation.computing():
        return computation.snapshot(cycle, p.unit.type).result(stage, p.pk)


def basis_of(user: Any, p: Participation) -> Basis:
    """The unit's points the planner starts from (module docstring)."""
    cycle = p.cycle
    if lifecycle.of(cycle).finished:
        return Basis(cycle.methodology.tree, _result(cycle, p, "final"), cycle, "final", True)
    earlier = (
        Participation.objects.filter(
            unit_id=p.unit_id,
            cycle__organiser_id=cycle.organiser_id,
            cycle__methodology__code=cycle.methodology.code,
            cycle__state__in=lifecycle.FINISHED_STATES,
            cycle__year__lt=cycle.year,
        )
        .select_related("cycle", "cycle__methodology", "unit")
        .order_by("-cycle__year", "-cycle__finalised_at")
    )
    for q in earlier:
        seen = perm.results_access(user, q.cycle)
        if seen.sees(p.unit_id) and "final" in seen.stages:
            return Basis(
                q.cycle.methodology.tree, _result(q.cycle, q, "final"), q.cycle, "final", True
            )
    stages = perm.on_participation(user, p).stages(cycle) or ("self",)
    stage = stages[-1]
    return Basis(cycle.methodology.tree, _result(cycle, p, stage), cycle, stage, False)


def plan_of(p: Participation) -> Plan | None:
    """The unit's plan drafted from this cycle, else its plan for this cycle's year."""
    plans = Plan.objects.filter(unit_id=p.unit_id).filter(
        Q(source_cycle_id=p.cycle_id) | Q(year=p.cycle.year)
    )
    return min(
        plans, key=lambda plan: (plan.source_cycle_id != p.cycle_id, -plan.year), default=None
    )


def plan_items(plan: Plan | None, cost_basis: str) -> tuple[list[PlanItem], list[Task]]:
    """The plan's recover tasks with points expected back as optimiser items; those without
    the cost estimate asked for, apart."""
    if plan is None:
        return [], []
    items: list[PlanItem] = []
    without: list[Task] = []
    tasks = plan.tasks.filter(kind=Task.Kind.RECOVER, expected_points__gt=0).order_by("code")
    for t in tasks.select_related("lead_agency"):
        cost = t.cost if cost_basis == COST else t.effort_days
        if cost is None:
            without.append(t)
            continue
        items.append(PlanItem(t, Item(str(t.pk), q4(t.expected_points), q4(cost), t.code)))
    return items, without


# --- the answer ------------------------------------------------------------------------------


def _index_with(basis: Basis, current: Decimal, gains: Iterable[tuple[str, Decimal]]) -> Decimal:
    """The index after adding points to sub-criteria (each within its maximum), from the
    current index (the basis's own, or the reference's, shifted by the same change)."""
    nodes = basis.result.nodes
    changes = [Change(code, nodes[code].points + gain) for code, gain in gains if code in nodes]
    new = what_if(basis.methodology, basis.result, changes).index
    return q4(min(current + new - basis.index, HUNDRED))


def _points_now(basis: Basis, current: Decimal, from_reference: bool) -> Decimal:
    if not from_reference:
        return basis.result.points
    return q4(current * basis.result.max_points / HUNDRED)


def answer(user: Any, p: Participation, settings: Settings) -> Answer:
    """Everything the target page shows (module docstring); TargetError when there is
    nothing to compare the unit with."""
    require_target(user, p)
    try:
        ref = reference_for(user, p.cycle, p.unit, settings.rule)
    except PlannerError as exc:
        raise TargetError(str(exc)) from None
    if ref is None or not ref.competitors:
        raise TargetError(
            _(
                "Chưa có kết quả của các năm trước để so sánh: cần kết quả toàn quốc đã nhập "
                "(cho tỉnh) hoặc ít nhất một kỳ đánh giá đã kết thúc của đơn vị tổ chức."
            )
        )
    basis = basis_of(user, p)
    from_ref = ref.kind == NATIONAL and not basis.finished and ref.own is not None
    current = ref.own if from_ref and ref.own is not None else basis.index
    threshold = index_for_rank({c.name: c.last for c in ref.competitors}, settings.k, year=ref.year)
    out = Answer(p, settings, ref, basis, current, from_ref, threshold, None)
    try:
        sim = simulate(ref.competitors, MonteCarlo(settings.draws, settings.seed), pool=ref.pool)
    except PlannerError as exc:
        out.error = str(exc)
        return out
    out.simulation = sim
    out.chance_now = sim.chance(current, settings.k)
    out.plan = plan_of(p)
    out.items, out.without_cost = plan_items(out.plan, settings.cost_basis)
    if out.items:
        out.index_after = _index_with(
            basis, current, [(pi.task.code, pi.item.points) for pi in out.items]
        )
        out.chance_after = sim.chance(out.index_after, settings.k)
    points_now = _points_now(basis, current, from_ref)
    for prob in PROBABILITIES:
        needed = sim.index_needed(settings.k, prob)
        try:
            pts = points_needed(points_now, basis.result.max_points, needed.index)
        except PlannerError:
            pts = None
        out.needed.append(Needed(needed, pts, needed.index <= current))
    _optimise(out, sim, points_now)
    return out


def _optimise(out: Answer, sim: Simulation, points_now: Decimal) -> None:
    s = out.settings
    items = [pi.item for pi in out.items]
    if s.mode == BUDGET:
        if s.budget is None:
            return
        out.selection = most_points_within(items, s.budget)
    else:
        prob = s.probability
        goal = next((n for n in out.needed if n.needed.probability == prob), None)
        if goal is None:
            needed = sim.index_needed(s.k, prob)
            try:
                pts = points_needed(points_now, out.basis.result.max_points, needed.index)
            except PlannerError:
                pts = None
            goal = Needed(needed, pts, needed.index <= out.current)
        out.goal = goal
        if goal.points is None:
            return
        out.selection = cheapest_to_reach(items, goal.points)
    by_id = {str(pi.task.pk): pi.task for pi in out.items}
    out.chosen = [by_id[i] for i in out.selection.ids]
    if out.selection.feasible:
        out.index_chosen = _index_with(
            out.basis, out.current, [(t.code, q4(t.expected_points)) for t in out.chosen]
        )
        out.chance_chosen = sim.chance(out.index_chosen, s.k)


# --- what-if ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIf:
    index: Decimal
    index_before: Decimal
    grade: Grade | None
    rank: int | None
    rank_worst: int | None
    chance: Chance | None
    applied: tuple[tuple[str, Decimal, Decimal], ...]  # code, before, after
    notes: tuple[str, ...]

    @property
    def change(self) -> Decimal:
        return q4(self.index - self.index_before)


def what_if_answer(
    user: Any, p: Participation, settings: Settings, changes: Sequence[Change]
) -> WhatIf:
    """The unit's index, band, rank against the competitors' latest indices, rank range and
    probability of rank <= k after `changes` (points of sub-criteria or whole fields) to the
    basis's points; from the current index when it is the reference's (module docstring)."""
    require_target(user, p)
    ref = reference_for(user, p.cycle, p.unit, settings.rule)
    basis = basis_of(user, p)
    sim = None
    if ref is not None and ref.competitors:
        try:
            sim = simulate(
                ref.competitors, MonteCarlo(settings.draws, settings.seed), pool=ref.pool
            )
        except PlannerError:
            sim = None
    from_ref = (
        ref is not None and ref.kind == NATIONAL and not basis.finished and ref.own is not None
    )
    try:
        r = what_if(basis.methodology, basis.result, changes)
    except PlannerError as exc:
        raise TargetError(str(exc)) from None
    before = ref.own if from_ref and ref is not None and ref.own is not None else basis.index
    index = (
        q4(min(max(before + r.index - basis.index, Decimal(0)), HUNDRED)) if from_ref else r.index
    )
    comps = sorted(c.last for c in ref.competitors) if ref is not None else []
    standing = Standing(tuple(comps))
    rank = worst = None
    if comps:
        rank = 1 + sum(1 for c in standing.competitors if c > index)
        worst = rank + sum(1 for c in standing.competitors if c == index)
    return WhatIf(
        index=index,
        index_before=before,
        grade=basis.methodology.grade_for(index),
        rank=rank,
        rank_worst=worst,
        chance=sim.chance(index, settings.k) if sim is not None else None,
        applied=tuple((a.code, a.before, a.after) for a in r.applied),
        notes=r.notes,
    )
