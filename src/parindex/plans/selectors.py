"""Reads of the improvement plans, with the rights fetched alongside (the decision is
parindex.assessment.permissions.on_plan): a plan or task the user may not see raises
DoesNotExist, so pages answer 404 and never reveal that another unit's plan exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.common.collation import vn_key
from parindex.results.selectors import cycle_results, lead_agency_assignments, lost_points_ledger
from parindex.results.tables import Assignment, LedgerEntry, LedgerFilter, UnitRow, natural_code

from .models import Plan, Task


def plan_access(user: Any, plan: Plan) -> perm.PlanAccess:
    """The user's rights on `plan` (cached on the plan object for the request)."""
    key = f"_access_{getattr(user, 'pk', None)}"
    found = getattr(plan, key, None)
    if found is None:
        found = perm.on_plan(user, plan.unit_id, plan.source_cycle)
        setattr(plan, key, found)
    return found


def _plans() -> QuerySet[Plan]:
    return Plan.objects.select_related(
        "unit", "source_cycle", "source_cycle__organiser", "source_cycle__methodology"
    )


def plan_for_user(user: Any, pk: int) -> tuple[Plan, perm.PlanAccess]:
    """A plan the user reads whole, or one with tasks its agencies lead."""
    plan = _plans().get(pk=pk)
    acc = plan_access(user, plan)
    if not acc.view and not plan.tasks.filter(lead_agency_id__in=acc.agencies).exists():
        raise Plan.DoesNotExist
    return plan, acc


def task_for_user(user: Any, pk: int) -> tuple[Task, perm.PlanAccess]:
    """A task the user sees (its plan whole, or as its lead agency)."""
    task = Task.objects.select_related("plan", "lead_agency").get(pk=pk)
    task.plan = _plans().get(pk=task.plan_id)
    acc = plan_access(user, task.plan)
    if not acc.sees_task(task.lead_agency_id):
        raise Task.DoesNotExist
    return task, acc


def plans_visible_to(user: Any) -> list[tuple[Plan, perm.PlanAccess]]:
    """Every plan the user reads whole or has tasks in, newest year first, units in
    Vietnamese alphabetical order."""
    agencies = perm.agencies_of(user)
    out = []
    for plan in _plans():
        acc = plan_access(user, plan)
        if acc.view or (agencies and plan.tasks.filter(lead_agency_id__in=agencies).exists()):
            out.append((plan, acc))
    out.sort(key=lambda pa: (-pa[0].year, vn_key(pa[0].unit.name)))
    return out


def tasks_of(plan: Plan, acc: perm.PlanAccess) -> list[Task]:
    """The plan's tasks the user sees, in the methodology's order."""
    qs = plan.tasks.select_related("lead_agency").prefetch_related("cooperating")
    if not acc.view:
        qs = qs.filter(lead_agency_id__in=acc.agencies)
    return sorted(qs, key=lambda t: (natural_code(t.code), t.code))


def agency_tasks(user: Any) -> list[Task]:
    """The tasks led by the units the user works for, soonest deadline first."""
    agencies = perm.agencies_of(user)
    if not agencies:
        return []
    qs = Task.objects.filter(lead_agency_id__in=agencies).select_related(
        "plan", "plan__unit", "lead_agency"
    )
    return sorted(qs, key=lambda t: (t.deadline is None, t.deadline, t.plan_id, t.code))


def assignable_agencies(user: Any, plan: Plan) -> set[int]:
    """The units `user` may give a task of `plan` to: for the organiser's side (those who
    may manage the source cycle), every unit of the province (or ministry) tree the cycle
    belongs to; for the unit's own staff, the unit and the units below it (a province's
    departments), the cycle's lead agencies for it and the agencies already on the plan's
    tasks (the organiser assigns the others): permissions.plan_assignable_units."""
    cycle = plan.source_cycle
    out = perm.plan_assignable_units(user, plan.unit, cycle)
    if perm.can_manage(user, cycle):
        return out
    codes = {a[1] for a in lead_agency_assignments(cycle).get(plan.unit.code, [])}
    out |= set(OrgUnit.objects.filter(code__in=sorted(codes)).values_list("pk", flat=True))
    out |= {pk for pk in plan.tasks.values_list("lead_agency_id", flat=True) if pk}
    out |= set(
        Task.cooperating.through.objects.filter(task__plan=plan).values_list(
            "orgunit_id", flat=True
        )
    )
    return out


# --- the results a plan is drafted from --------------------------------------------------------


@dataclass(frozen=True)
class UnitSource:
    """A unit's final results in a finished cycle: its row, its ledger lines (with lead
    agencies), the cycle's lead agency assignments for it, and how many units were ranked
    with it."""

    row: UnitRow
    ledger: list[LedgerEntry]
    assignments: Sequence[Assignment]
    ranked: int


def unit_source(cycle: Cycle, unit: OrgUnit) -> UnitSource:
    results = cycle_results(cycle, "final", unit_type=unit.type, with_change=False)
    row = results.row_for(unit.code)
    if row is None:  # pragma: no cover - a participating unit has a row
        raise Participation.DoesNotExist
    ledger = lost_points_ledger(cycle, LedgerFilter(units=frozenset({unit.code})))
    ranked = sum(1 for r in results.of_type(unit.type) if not r.not_submitted)
    return UnitSource(row, ledger, lead_agency_assignments(cycle).get(unit.code, []), ranked)


def draftable(user: Any, cycle: Cycle) -> list[tuple[Participation, Plan | None]]:
    """The cycle's units whose plan the user may draft, with the plan of the next year
    when there is one (empty unless the cycle is finished)."""
    if not lifecycle.of(cycle).finished:
        return []
    parts = [
        p
        for p in cycle.participations.select_related("unit", "cycle")
        if perm.may_draft_plan(user, p)
    ]
    plans = {
        p.unit_id: p
        for p in Plan.objects.filter(year=cycle.year + 1, unit_id__in=[x.unit_id for x in parts])
    }
    parts.sort(key=lambda p: (p.unit.type, vn_key(p.unit.name)))
    return [(p, plans.get(p.unit_id)) for p in parts]


# --- the next cycle ------------------------------------------------------------------------------


def next_participation(plan: Plan) -> Participation | None:
    """The unit's participation in the cycle of the plan's year (same organiser and
    methodology code as the source cycle): where its points are secured and where a
    finished task's files become evidence."""
    src = plan.source_cycle
    return (
        Participation.objects.filter(
            unit_id=plan.unit_id,
            cycle__organiser_id=src.organiser_id,
            cycle__methodology__code=src.methodology.code,
            cycle__year=plan.year,
        )
        .select_related("cycle", "unit", "cycle__methodology", "cycle__organiser")
        .order_by("-cycle_id")
        .first()
    )


def self_points_in(p: Participation | None, codes: Sequence[str]) -> dict[str, Decimal]:
    """The self-assessed points entered for `codes` in the participation (none entered:
    absent)."""
    if p is None or not codes:
        return {}
    rows = Entry.objects.filter(
        Q(participation=p), Q(code__in=list(codes)), Q(self_points__isnull=False)
    ).values_list("code", "self_points")
    return {code: points for code, points in rows if points is not None}


# --- what the planner reads ----------------------------------------------------------------------


class TaskRow(NamedTuple):
    """A task as the target planner reads it."""

    id: int
    code: str
    field_code: str
    kind: str
    expected_points: Decimal
    effort_days: Decimal | None
    cost: Decimal | None
    status: str
    progress: int
    overdue: bool


def task_rows(plan: Plan) -> list[TaskRow]:
    """Every task of the plan as (id, sub-criterion code, field code, kind, expected points,
    effort, cost, status, progress, overdue), in the methodology's order."""
    tasks = sorted(plan.tasks.all(), key=lambda t: (natural_code(t.code), t.code))
    return [
        TaskRow(
            t.pk,
            t.code,
            t.field_code,
            t.kind,
            t.expected_points,
            t.effort_days,
            t.cost,
            t.status,
            t.progress,
            t.overdue,
        )
        for t in tasks
    ]
