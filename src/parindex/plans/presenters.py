"""What the plan pages show, built from the selectors (views stay thin)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.common.collation import vn_key
from parindex.results.computation import recovery_of
from parindex.results.tables import REASON_LABELS, natural_code

from . import dashboard
from . import selectors as sel
from .models import Plan, Task


def field_names(plan: Plan) -> dict[str, str]:
    tree = plan.source_cycle.methodology.tree
    return {f.code: f.name for f in tree.fields}


@dataclass
class PlanSummary:
    plan: Plan
    access: perm.PlanAccess
    total: dashboard.Line


def index(user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    plans = []
    for plan, acc in sel.plans_visible_to(user):
        tasks = sel.tasks_of(plan, acc)
        board = dashboard.build(tasks, {}, today, agency_name=lambda t: "", field_name=lambda c: c)
        plans.append(PlanSummary(plan, acc, board.total))
    cycles = [
        c
        for c in perm.cycles_visible_to(user).filter(state__in=lifecycle.FINISHED_STATES)
        if perm.can_manage(user, c) or sel.draftable(user, c)
    ]
    return {"plans": plans, "my_tasks": sel.agency_tasks(user), "cycles": cycles, "today": today}


def plan_page(plan: Plan, acc: perm.PlanAccess, params: Mapping[str, str]) -> dict[str, Any]:
    """The plan's dashboard (by agency and by field) and its tasks grouped by field,
    filtered by agency, status ("late" included) and kind."""
    today = timezone.localdate()
    tasks = sel.tasks_of(plan, acc)
    nxt = sel.next_participation(plan)
    entered = sel.self_points_in(nxt, [t.code for t in tasks])
    names = field_names(plan)
    board = dashboard.build(
        tasks,
        entered,
        today,
        agency_name=lambda t: t.lead_agency.name if t.lead_agency else "",
        field_name=lambda c: names.get(c, c),
        open_cycle=nxt.cycle.name if nxt else "",
    )
    f_agency = params.get("agency", "")
    f_status = params.get("status", "")
    f_kind = params.get("kind", "")
    shown = [
        t
        for t in tasks
        if (not f_agency or str(t.lead_agency_id) == f_agency)
        and (not f_kind or t.kind == f_kind)
        and (
            not f_status
            or (f_status == "late" and t.overdue_on(today))
            or (f_status != "late" and t.status == f_status)
        )
    ]
    groups: list[tuple[str, str, list[Any]]] = []
    for t in shown:
        if not groups or groups[-1][0] != t.field_code:
            groups.append((t.field_code, names.get(t.field_code, t.field_code), []))
        groups[-1][2].append(
            {
                "task": t,
                "overdue": t.overdue_on(today),
                "entered": entered.get(t.code),
                "secured": dashboard.secured(t, entered.get(t.code)),
                "reason": str(REASON_LABELS.get(t.reason, t.reason)) if t.reason else "",
            }
        )
    agencies = sorted(
        {(t.lead_agency_id, t.lead_agency.name) for t in tasks if t.lead_agency},
        key=lambda a: vn_key(a[1]),
    )
    return {
        "plan": plan,
        "access": acc,
        "board": board,
        "groups": groups,
        "shown": len(shown),
        "total": len(tasks),
        "next": nxt,
        "agencies": agencies,
        "statuses": [*Task.Status.choices],
        "kinds": Task.Kind.choices,
        "f": {"agency": f_agency, "status": f_status, "kind": f_kind},
    }


def task_initial(task: Task) -> dict[str, Any]:
    return {
        "version": task.version,
        "description": task.description,
        "lead_agency": task.lead_agency_id,
        "cooperating": [u.pk for u in task.cooperating.all()],
        "deadline": task.deadline,
        "expected_points": task.expected_points,
        "effort_days": task.effort_days,
        "cost": task.cost,
        "status": task.status,
        "progress": task.progress,
    }


def task_page(task: Task, acc: perm.PlanAccess) -> dict[str, Any]:
    plan = task.plan
    nxt = sel.next_participation(plan)
    entered = sel.self_points_in(nxt, [task.code]).get(task.code)
    reports = list(task.reports.select_related("created_by").prefetch_related("files"))
    unlinked = any(f.evidence_id is None for r in reports for f in r.files.all())
    link_open = False
    if nxt is not None:
        link_open = lifecycle.evidence_open(nxt)[0]
    return {
        "plan": plan,
        "task": task,
        "access": acc,
        "overdue": task.overdue,
        "field_name": field_names(plan).get(task.field_code, task.field_code),
        "reason": str(REASON_LABELS.get(task.reason, task.reason)) if task.reason else "",
        "reports": reports,
        "next": nxt,
        "entered": entered,
        "secured": dashboard.secured(task, entered),
        "can_link": acc.reports_on(task.lead_agency_id)
        and task.status == Task.Status.DONE
        and unlinked
        and nxt is not None,
        "link_open": link_open,
        "cooperating": sorted((u.name for u in task.cooperating.all()), key=vn_key),
    }


def recoverability_initial(cycle: Cycle) -> tuple[list[Any], dict[str, Any]]:
    tree = cycle.methodology.tree
    leaves = sorted(tree.leaves, key=lambda n: natural_code(n.code))
    current = recovery_of(cycle.pk)
    initial: dict[str, Any] = {
        "survey": "survey" in current.methods,
        "external": "external" in current.methods,
    }
    for code, value in current.items:
        initial[f"item-{code}"] = "1" if value else "0"
    return leaves, initial


def leaf_groups(form: Any) -> list[tuple[str, list[tuple[Any, Any]]]]:
    """The sub-criteria of the form, grouped by field (code)."""
    groups: list[tuple[str, list[tuple[Any, Any]]]] = []
    for node, bound in form.item_fields():
        top = node.code.split(".")[0]
        if not groups or groups[-1][0] != top:
            groups.append((top, []))
        groups[-1][1].append((node, bound))
    return groups
